/// Reports in a real browser: headless Chromium renders each figure alone and a whole discovery report to PNG; the
/// PNG must not be blank, the page must log no console message or script error, and the DOM Chromium builds must
/// hold every figure. Needs `chromium` on PATH (Debian package chromium; CI installs it) and fails when it is missing.
module EcdPde.Reports.Tests.BrowserTests

open System
open System.Diagnostics
open System.IO
open System.IO.Compression
open Xunit
open Expecto
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Reports.Tests.ReportFolders

/// A decoded 8-bit, non-interlaced PNG: Pixels holds Height rows of Width × Channels bytes.
type Png =
    {
        Width: int
        Height: int
        Channels: int
        Pixels: byte[]
    }

/// Decodes a PNG (8-bit grey, grey + alpha, RGB or RGBA; no interlacing), checking the signature and the filters.
let decodePng (bytes: byte[]) =
    let signature = [| 137uy; 80uy; 78uy; 71uy; 13uy; 10uy; 26uy; 10uy |]

    if bytes.Length < 8 || bytes[0..7] <> signature then
        failwith "not a PNG file (bad signature)"

    let be (i: int) =
        (int bytes[i] <<< 24)
        ||| (int bytes[i + 1] <<< 16)
        ||| (int bytes[i + 2] <<< 8)
        ||| int bytes[i + 3]

    let idat = new MemoryStream()
    let mutable width, height, depth, colourType, interlace = 0, 0, 0, 0, 0
    let mutable pos = 8
    let mutable ended = false

    while not ended && pos + 8 <= bytes.Length do
        let length = be pos
        let kind = Text.Encoding.ASCII.GetString(bytes, pos + 4, 4)
        let data = pos + 8

        match kind with
        | "IHDR" ->
            width <- be data
            height <- be (data + 4)
            depth <- int bytes[data + 8]
            colourType <- int bytes[data + 9]
            interlace <- int bytes[data + 12]
        | "IDAT" -> idat.Write(bytes, data, length)
        | "IEND" -> ended <- true
        | _ -> ()

        pos <- data + length + 4

    if depth <> 8 || interlace <> 0 then
        failwithf "unsupported PNG: bit depth %d, interlace %d" depth interlace

    let channels =
        match colourType with
        | 0 -> 1
        | 4 -> 2
        | 2 -> 3
        | 6 -> 4
        | c -> failwithf "unsupported PNG colour type %d" c

    idat.Position <- 0L
    use inflater = new ZLibStream(idat, CompressionMode.Decompress)
    use raw = new MemoryStream()
    inflater.CopyTo raw
    let data = raw.ToArray()
    let stride = width * channels

    if data.Length <> height * (stride + 1) then
        failwithf "PNG data has %d bytes, expected %d" data.Length (height * (stride + 1))

    let pixels = Array.zeroCreate<byte>(stride * height)

    let paeth (a: int) (b: int) (c: int) =
        let p = a + b - c
        let pa, pb, pc = abs (p - a), abs (p - b), abs (p - c)

        if pa <= pb && pa <= pc then a
        elif pb <= pc then b
        else c

    for y in 0 .. height - 1 do
        let filter = data[y * (stride + 1)]
        let src = y * (stride + 1) + 1
        let dst = y * stride

        for x in 0 .. stride - 1 do
            let a = if x >= channels then int pixels[dst + x - channels] else 0
            let b = if y > 0 then int pixels[dst - stride + x] else 0

            let c =
                if x >= channels && y > 0 then
                    int pixels[dst - stride + x - channels]
                else
                    0

            let predicted =
                match filter with
                | 0uy -> 0
                | 1uy -> a
                | 2uy -> b
                | 3uy -> (a + b) / 2
                | 4uy -> paeth a b c
                | f -> failwithf "bad PNG filter %d in row %d" f y

            pixels[dst + x] <- byte ((int data[src + x] + predicted) &&& 0xff)

    {
        Width = width
        Height = height
        Channels = channels
        Pixels = pixels
    }

/// Share of pixels that differ from the most common colour (the background), and the number of distinct colours.
let inkAndColours (png: Png) =
    let colours = Collections.Generic.Dictionary<int64, int>()

    for k in 0 .. png.Width * png.Height - 1 do
        let mutable key = 0L

        for c in 0 .. png.Channels - 1 do
            key <- (key <<< 8) ||| int64 png.Pixels[k * png.Channels + c]

        colours[key] <-
            (match colours.TryGetValue key with
             | true, n -> n + 1
             | _ -> 1)

    let background = colours.Values |> Seq.max
    let total = png.Width * png.Height
    float (total - background) / float total, colours.Count

/// The chromium executable on PATH; fails the test with instructions when there is none.
let chromium () =
    let path =
        Environment.GetEnvironmentVariable "PATH"
        |> Option.ofObj
        |> Option.defaultValue ""

    path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
    |> Array.map (fun dir -> Path.Combine(dir, "chromium"))
    |> Array.tryFind File.Exists
    |> Option.defaultWith (fun () ->
        failwith
            "chromium is not on PATH: the browser tests need headless Chromium (Debian: apt-get install -y chromium; .ci/run installs it)")

/// Runs headless Chromium on a file with extra arguments; returns (exit code, stdout, stderr).
let runChromium (args: string list) (file: string) =
    let profile = fresh None

    let psi =
        ProcessStartInfo(chromium (), RedirectStandardOutput = true, RedirectStandardError = true)

    for a in
        [
            "--headless"
            "--no-sandbox"
            "--disable-gpu"
            "--disable-background-networking"
            "--disable-dev-shm-usage"
            "--no-first-run"
            "--hide-scrollbars"
            "--user-data-dir=" + profile
            "--enable-logging=stderr"
            "--v=0"
        ]
        @ args
        @ [ Uri(Path.GetFullPath file).AbsoluteUri ] do
        psi.ArgumentList.Add a

    use p =
        match Process.Start psi with
        | null -> failwith "could not start chromium"
        | p -> p

    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()

    if not (p.WaitForExit 90_000) then
        p.Kill true
        failwithf "chromium did not finish within 90 s on %s" file

    p.WaitForExit()
    p.ExitCode, out.Result, err.Result

/// Console messages and script errors in Chromium's log.
let consoleLines (stderr: string) =
    stderr.Split('\n')
    |> Array.filter (fun l -> l.Contains ":CONSOLE" || l.Contains "Uncaught")

/// Screenshots `file` at width × height; returns the decoded PNG and Chromium's console lines.
let screenshot (file: string) (width: int) (height: int) =
    let png =
        Path.Combine(Path.GetTempPath(), "ecdpde-shot-" + Guid.NewGuid().ToString("N") + ".png")

    let code, _, err =
        runChromium [ "--screenshot=" + png; sprintf "--window-size=%d,%d" width height ] file

    Assert.True((code = 0), sprintf "chromium exited with %d:\n%s" code err)
    Assert.True(File.Exists png, sprintf "no screenshot written:\n%s" err)
    let bytes = File.ReadAllBytes png
    File.Delete png
    decodePng bytes, consoleLines err

let private pageWith (name: string) (figure: string) =
    let dir = fresh None
    let path = Path.Combine(dir, name + ".html")
    File.WriteAllText(path, Html.page name [ Html.figure figure (name + " <alone> & escaped") ])
    path

let private assertDrawn (what: string) (png: Png, console: string[]) =
    let ink, colours = inkAndColours png
    Assert.True(ink > 0.01, sprintf "%s: only %.4f of the pixels differ from the background" what ink)
    Assert.True(colours > 8, sprintf "%s: only %d colours" what colours)
    Assert.True(console.Length = 0, sprintf "%s: console output:\n%s" what (String.Join("\n", console)))

let ``the png decoder and the console check see what they should`` () =
    // a page that draws nothing and throws: blank screenshot, the error logged
    let dir = fresh None
    let bad = Path.Combine(dir, "bad.html")

    File.WriteAllText(
        bad,
        "<!DOCTYPE html><html><body><script>console.error('bad'); throw new Error('boom')</script></body></html>"
    )

    let png, console = screenshot bad 320 240
    Assert.Equal(320, png.Width)
    Assert.Equal(240, png.Height)
    let ink, colours = inkAndColours png
    Assert.Equal(0.0, ink)
    Assert.Equal(1, colours)
    Assert.Contains(console, fun l -> l.Contains "Uncaught Error: boom")

let ``a line chart alone renders in chromium`` () =
    let chart =
        Svg.chart
            "loss <&>"
            "step"
            "loss"
            [
                Svg.Line("run 1", Svg.color 0, Array.init 200 (fun k -> float k, exp (-0.02 * float k)))
            ]
        |> Svg.logLog
        |> Svg.render

    screenshot (pageWith "chart" chart) 900 600 |> assertDrawn "line chart"

let ``a heatmap alone renders in chromium`` () =
    let map =
        Heatmap.sample "u <k>" (-1.0, 1.0, -1.0, 1.0) 40 (fun x y -> x * x + y * y <= 1.0) (fun x y ->
            x + 2.0 * y)
        |> Heatmap.render 300

    screenshot (pageWith "heatmap" map) 900 600 |> assertDrawn "heatmap"

let ``a surface alone renders in chromium`` () =
    let surface =
        Surface.sample
            "u = sin²(2r²) & <disk>"
            (-1.0, 1.0, -1.0, 1.0)
            41
            (fun x y -> x * x + y * y <= 1.0)
            (fun x y -> (sin (2.0 * (x * x + y * y))) ** 2.0)
        |> Surface.render

    screenshot (pageWith "surface" surface) 900 600 |> assertDrawn "surface"

let ``a diverging heatmap with contours alone renders in chromium`` () =
    let map =
        Heatmap.sample "residual <r>" (-1.0, 1.0, -1.0, 1.0) 40 (fun x y -> x * x + y * y <= 1.0) (fun x y ->
            sin (3.0 * x) * cos (2.0 * y))
        |> Heatmap.withColorScale Diverging
        |> Heatmap.withContours 5
        |> Heatmap.render 300

    screenshot (pageWith "diverging" map) 900 600 |> assertDrawn "diverging heatmap"

let ``a chart with modifiers alone renders in chromium`` () =
    let chart =
        Svg.chart
            ""
            ""
            ""
            [
                Svg.Line(
                    "E(t) <&>",
                    Svg.color 1,
                    Array.init 200 (fun k -> float k, 1.0 + 0.1 * sin (0.1 * float k))
                )
            ]
        |> Svg.withTitle "energy <E(t)>"
        |> Svg.withXLabel "step"
        |> Svg.withYLabel "E"
        |> Svg.withYLog true
        |> Svg.withXRange 0.0 150.0
        |> Svg.withSize 600 300
        |> Svg.addMark (Svg.HRule("E₀", "#444444", 1.0))
        |> Svg.render

    screenshot (pageWith "modified" chart) 900 600
    |> assertDrawn "chart with modifiers"

let ``a collocation scatter alone renders in chromium`` () =
    let interior =
        Array.init 500 (fun k ->
            let r, t = sqrt (float k / 500.0), 2.399963 * float k
            r * cos t, r * sin t)

    let boundary =
        Array.init 80 (fun k ->
            let t = 2.0 * Math.PI * float k / 80.0
            cos t, sin t)

    let scatter =
        Scatter.collocation "collocation <points>" interior boundary |> Svg.render

    screenshot (pageWith "scatter" scatter) 900 700
    |> assertDrawn "collocation scatter"

let ``a subplot grid of every figure kind renders in chromium as one image`` () =
    let disk x y = x * x + y * y <= 1.0

    let figures =
        [
            Heatmap.sample "u" (-1.0, 1.0, -1.0, 1.0) 30 disk (fun x y -> x * y)
            |> Heatmap.withContours 4
            |> Heatmap.render 200
            Surface.sample "u" (-1.0, 1.0, -1.0, 1.0) 21 disk (fun x y -> x * y)
            |> Surface.render
            Svg.chart "loss" "step" "loss" [ Svg.Line("run", Svg.color 0, [| 1.0, 1.0; 100.0, 1e-3 |]) ]
            |> Svg.logLog
            |> Svg.withSize 400 260
            |> Svg.render
            Scatter.collocation "points" [| 0.0, 0.0; 0.5, 0.2 |] [| 1.0, 0.0; 0.0, 1.0 |]
            |> Svg.render
        ]

    let grid = Subplots.grid 2 "all <kinds> & co" figures
    // the grid alone, as the standalone image a document would include
    let dir = fresh None
    let path = Path.Combine(dir, "grid.svg")
    File.WriteAllText(path, grid)
    screenshot path 1100 1000 |> assertDrawn "subplot grid"
    let code, dom, err = runChromium [ "--dump-dom" ] (pageWith "grid" grid)
    Assert.True((code = 0), err)
    Assert.Equal(5, dom.Split("<svg").Length - 1)

let ``a whole discovery report renders in chromium with every figure in the DOM`` () =
    let dir = discovery "browser <&>" hostile true
    let report = DiscoveryReport.write dir
    screenshot report 1200 3000 |> assertDrawn "discovery report"
    let code, dom, err = runChromium [ "--dump-dom" ] report
    Assert.True((code = 0), err)
    let html = File.ReadAllText report
    Assert.Equal(html.Split("<svg").Length - 1, dom.Split("<svg").Length - 1)
    Assert.Equal(9, dom.Split("<svg").Length - 1)
    Assert.DoesNotContain("<script", dom)
    Assert.Contains("&lt;script&gt;alert(\"p\")&lt;/script&gt;", dom) // the title, as text

[<Tests>]
let tests =
    testList
        "BrowserTests"
        [
            testCase
                "the png decoder and the console check see what they should"
                ``the png decoder and the console check see what they should``
            testCase "a line chart alone renders in chromium" ``a line chart alone renders in chromium``
            testCase "a heatmap alone renders in chromium" ``a heatmap alone renders in chromium``
            testCase "a surface alone renders in chromium" ``a surface alone renders in chromium``
            testCase
                "a diverging heatmap with contours alone renders in chromium"
                ``a diverging heatmap with contours alone renders in chromium``
            testCase
                "a chart with modifiers alone renders in chromium"
                ``a chart with modifiers alone renders in chromium``
            testCase
                "a collocation scatter alone renders in chromium"
                ``a collocation scatter alone renders in chromium``
            testCase
                "a subplot grid of every figure kind renders in chromium as one image"
                ``a subplot grid of every figure kind renders in chromium as one image``
            testCase
                "a whole discovery report renders in chromium with every figure in the DOM"
                ``a whole discovery report renders in chromium with every figure in the DOM``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.BrowserTests"
