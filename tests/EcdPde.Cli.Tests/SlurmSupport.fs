/// The local Slurm cluster of the Slurm tests (scripts/slurm-local.sh on the tests' own folder and ports): started and
/// stopped around each test; commands run against it; waiting for a folder's result; `ecdpde status` counts.
module EcdPde.Cli.Tests.SlurmSupport

open System
open System.Diagnostics
open System.IO
open Expecto

/// The repository (where scripts/slurm-local.sh is), found upwards from the tests' folder.
let repository =
    lazy
        (let rec up (dir: DirectoryInfo | null) =
            match dir with
            | null -> failwith "scripts/slurm-local.sh not found above the tests' folder"
            | d when File.Exists(Path.Combine(d.FullName, "scripts", "slurm-local.sh")) -> d.FullName
            | d -> up d.Parent

         up (DirectoryInfo AppContext.BaseDirectory))

/// The tests' own cluster folder and ports (a developer's cluster on the default ones is left alone);
/// ECDPDE_SLURM_TESTS_DIR and ECDPDE_SLURM_TESTS_PORTS ("CTLD SLURMD") move them, e.g. for two worktrees at once.
let clusterDir =
    match Environment.GetEnvironmentVariable "ECDPDE_SLURM_TESTS_DIR" with
    | null
    | "" -> Path.Combine(Path.GetTempPath(), "ecdpde-slurm-tests")
    | dir -> dir

let private ports =
    match Environment.GetEnvironmentVariable "ECDPDE_SLURM_TESTS_PORTS" with
    | null
    | "" -> "6827 6828"
    | p -> p

let slurmConf = Path.Combine(clusterDir, "slurm.conf")

/// Runs `program args` in the folder `cwd` (None: the tests' own) with SLURM_CONF set to the tests' cluster; returns
/// (exit code, stdout, stderr).
let runIn (cwd: string option) (program: string) (args: string list) =
    let psi =
        ProcessStartInfo(program, RedirectStandardOutput = true, RedirectStandardError = true)

    cwd |> Option.iter (fun d -> psi.WorkingDirectory <- d)

    for a in args do
        psi.ArgumentList.Add a

    psi.Environment["SLURM_CONF"] <- slurmConf
    psi.Environment["ECDPDE_SLURM_DIR"] <- clusterDir
    psi.Environment["ECDPDE_SLURM_PORTS"] <- ports

    use p =
        match Process.Start psi with
        | null -> failwithf "could not start %s" program
        | p -> p

    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    p.WaitForExit()
    p.ExitCode, out.Result, err.Result

let run = runIn None

let ecdpde (args: string list) =
    run "dotnet" (Path.Combine(AppContext.BaseDirectory, "ecdpde.dll") :: args)

let cluster (action: string) =
    run "bash" [ Path.Combine(repository.Value, "scripts", "slurm-local.sh"); action ]

/// Runs `body` with the cluster started, and stops it afterwards (also on failure); nothing of it stays running.
let withCluster (body: unit -> unit) =
    let code, out, err = cluster "start"

    if code <> 0 then
        let message =
            sprintf
                "the local Slurm cluster did not start (scripts/slurm-local.sh start: %s): the Slurm tests need root and Debian's slurm-wlm and munge"
                ((out + err).Trim())

        if Environment.GetEnvironmentVariable "CI" = "true" then
            failtest message
        else
            skiptest message

    try
        body ()
    finally
        cluster "stop" |> ignore
        let _, status, _ = cluster "status"

        for daemon in [ "munged"; "slurmctld"; "slurmd" ] do
            Expect.stringContains
                status
                (daemon + ": stopped")
                (sprintf "%s is stopped after the test" daemon)

let queueEmpty () =
    let code, out, _ = run "squeue" [ "-h" ]
    code = 0 && out.Trim() = ""

/// Waits until `file` exists and the queue is empty (the last follow-up has ended); fails with the jobs' logs after
/// `seconds`.
let waitForResult (dir: string) (file: string) (seconds: float) =
    let clock = Stopwatch.StartNew()

    while not (File.Exists(Path.Combine(dir, file)) && queueEmpty ()) do
        if clock.Elapsed.TotalSeconds > seconds then
            let logs =
                Directory.GetFiles(Path.Combine(dir, "jobs", "logs"))
                |> Array.map (fun (f: string) -> f + ":\n" + File.ReadAllText f)

            failtestf "no %s in %s after %.0f s; logs:\n%s" file dir seconds (String.Join("\n", logs))

        Threading.Thread.Sleep 500

/// The (done, running, queued, stopped, failed) counts of `ecdpde status DIR`'s line `all`.
let statusCounts (dir: string) =
    let code, out, err = ecdpde [ "status"; dir ]
    Expect.equal code 0 (sprintf "status exits 0: %s" err)

    let line = out.Split('\n') |> Array.find (fun l -> l.StartsWith "all ")

    let numbers =
        line.Split([| ' '; ','; ':' |], StringSplitOptions.RemoveEmptyEntries)
        |> Array.choose (fun w ->
            match Int32.TryParse w with
            | true, v -> Some v
            | _ -> None)

    // "all  N runs: D done, R running, Q queued, S stopped, F failed"
    numbers[0], (numbers[1], numbers[2], numbers[3], numbers[4], numbers[5]), out
