/// Browser test tools: a PNG decoder and ink measure for screenshots, and headless Chromium runs (screenshot, console
/// lines), checked on a page that draws nothing and throws. The report pages' browser tests are PlotlyBrowserTests.
/// Needs `chromium` on PATH (Debian package chromium; CI installs it) and fails when it is missing.
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
    let png = TempFolders.pathWith "ecdpde-shot-" ".png"

    let code, _, err =
        runChromium [ "--screenshot=" + png; sprintf "--window-size=%d,%d" width height ] file

    Assert.True((code = 0), sprintf "chromium exited with %d:\n%s" code err)
    Assert.True(File.Exists png, sprintf "no screenshot written:\n%s" err)
    let bytes = File.ReadAllBytes png
    File.Delete png
    decodePng bytes, consoleLines err

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

[<Tests>]
let tests =
    testList
        "BrowserTests"
        [
            testCase
                "the png decoder and the console check see what they should"
                ``the png decoder and the console check see what they should``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.BrowserTests"
