/// Headless Chromium, offline: the static images of the reports (PNG screenshots, SVG/PNG exports of Plotly figures)
/// come from the system Chromium (Debian package chromium) run with the network cut: every host name resolves to
/// nothing and the proxy points nowhere, so a page that tried to load something would fail visibly.
module EcdPde.Reports.Chromium

open System
open System.Diagnostics
open System.IO

/// The Chromium executable: $ECDPDE_CHROMIUM, else chromium, chromium-browser, google-chrome or google-chrome-stable
/// on PATH.
let executable () =
    let fromEnvironment =
        Environment.GetEnvironmentVariable "ECDPDE_CHROMIUM"
        |> Option.ofObj
        |> Option.filter File.Exists

    let onPath () =
        let path =
            Environment.GetEnvironmentVariable "PATH"
            |> Option.ofObj
            |> Option.defaultValue ""

        [ "chromium"; "chromium-browser"; "google-chrome"; "google-chrome-stable" ]
        |> List.tryPick (fun name ->
            path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            |> Array.map (fun dir -> Path.Combine(dir, name))
            |> Array.tryFind File.Exists)

    fromEnvironment |> Option.orElseWith onPath

/// The executable, or an error that says how to get one.
let require () =
    executable ()
    |> Option.defaultWith (fun () ->
        failwith
            "no Chromium found (static figures are rendered by headless Chromium): install it (Debian: apt-get install -y chromium) or set ECDPDE_CHROMIUM to its path")

/// The flags of every run: headless, no sandbox (containers), software WebGL for 3-D (SwiftShader), and no network
/// (every host resolves to nothing, the proxy is a closed local port, background services off).
let offlineFlags =
    [
        "--headless"
        "--no-sandbox"
        "--disable-gpu"
        "--enable-unsafe-swiftshader"
        "--use-angle=swiftshader"
        "--disable-background-networking"
        "--disable-component-update"
        "--disable-default-apps"
        "--disable-extensions"
        "--disable-sync"
        "--disable-dev-shm-usage"
        "--no-first-run"
        "--no-default-browser-check"
        "--hide-scrollbars"
        "--mute-audio"
        "--host-resolver-rules=MAP * ~NOTFOUND"
        "--proxy-server=http://127.0.0.1:9"
        "--enable-logging=stderr"
        "--v=0"
    ]

/// Runs Chromium on a local file with `extra` flags (after the offline ones) in a fresh profile that is deleted
/// afterwards; returns (exit code, stdout, stderr). Fails after `timeoutSeconds`.
let run (timeoutSeconds: int) (extra: string list) (file: string) =
    let profile =
        Path.Combine(Path.GetTempPath(), "ecdpde-chromium-" + Guid.NewGuid().ToString("N"))

    Directory.CreateDirectory profile |> ignore

    let psi =
        ProcessStartInfo(require (), RedirectStandardOutput = true, RedirectStandardError = true)

    for a in
        offlineFlags
        @ [ "--user-data-dir=" + profile ]
        @ extra
        @ [ Uri(Path.GetFullPath file).AbsoluteUri ] do
        psi.ArgumentList.Add a

    try
        use p =
            match Process.Start psi with
            | null -> failwith "could not start Chromium"
            | p -> p

        let out = p.StandardOutput.ReadToEndAsync()
        let err = p.StandardError.ReadToEndAsync()

        if not (p.WaitForExit(timeoutSeconds * 1000)) then
            p.Kill true
            failwithf "Chromium did not finish within %d s on %s" timeoutSeconds file

        p.WaitForExit()
        p.ExitCode, out.Result, err.Result
    finally
        try
            Directory.Delete(profile, true)
        with _ ->
            ()

/// The DOM of a page after it loaded and `budgetMs` of (virtual) time passed, so that scripts have run.
let dumpDom (budgetMs: int) (file: string) =
    let code, dom, err =
        run 180 [ "--dump-dom"; sprintf "--virtual-time-budget=%d" budgetMs ] file

    if code <> 0 then
        failwithf "Chromium exited with %d on %s:\n%s" code file err

    dom

/// Writes a PNG screenshot of the top `width` × `height` pixels of a page to `png`; returns Chromium's log.
let screenshot (width: int) (height: int) (png: string) (file: string) =
    let code, _, err =
        run
            180
            [
                "--screenshot=" + Path.GetFullPath png
                sprintf "--window-size=%d,%d" width height
                "--virtual-time-budget=10000"
            ]
            file

    if code <> 0 || not (File.Exists png) then
        failwithf "Chromium wrote no screenshot of %s (exit code %d):\n%s" file code err

    err
