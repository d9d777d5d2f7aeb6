/// The Slurm layer without a cluster: array lists, the parsers of sbatch/squeue/sacct output (recorded from Slurm
/// 22.05), the job scripts, the executors' decisions on batches of files, task status counts and jobs.json.
module EcdPde.Runs.Tests.ClusterTests

open System
open System.IO
open Xunit
open Expecto
open EcdPde.Runs

let private scratch () = TempFolders.create "ecdpde-cluster-"

/// A batch of `count` tasks under `root/key` whose task i is finished once `result-i.txt` exists; RunHere writes
/// the result files and records which tasks ran.
let private batch (root: string) (key: string) (count: int) =
    let folder = Path.Combine(root, key)
    Directory.CreateDirectory folder |> ignore
    let ran = Collections.Concurrent.ConcurrentBag<int>()

    let result i =
        Path.Combine(folder, sprintf "result-%d.txt" i)

    let b: TaskBatch.TaskBatch =
        {
            Folder = folder
            Count = count
            ResultFile = result
            TaskFolder = fun i -> Some(Path.Combine(folder, sprintf "task-%d" i))
            RunHere =
                fun indices ->
                    for i in indices do
                        ran.Add i
                        File.WriteAllText(result i, string i)
        }

    b, ran

let ``array lists are ascending ranges of consecutive ids`` () =
    Assert.Equal("0-3", JobScript.arraySpec [ 3; 1; 0; 2 ])
    Assert.Equal("1,3-5,9", JobScript.arraySpec [ 9; 1; 3; 4; 5 ])
    Assert.Equal("7", JobScript.arraySpec [ 7; 7 ])

    Assert.Throws<ArgumentException>(fun () -> JobScript.arraySpec [] |> ignore)
    |> ignore

let ``sbatch, squeue and sacct output is parsed as Slurm prints it`` () =
    Assert.Equal("1234", Slurm.parseJobId "1234\n")
    Assert.Equal("77", Slurm.parseJobId "77;ecdpde-local\n")

    Assert.Throws<Slurm.SlurmCommandException>(fun () -> Slurm.parseJobId "Submitted batch job" |> ignore)
    |> ignore
    // squeue -h -r -o "%i|%T": array tasks, a plain job, an unexpanded array (skipped)
    let q =
        Slurm.parseStates "13_2|RUNNING\n13_3|PENDING\n14|PENDING\n15_[0-3]|PENDING\n"

    Assert.Equal<(string * int option * string) list>(
        [
            ("13", Some 2, "RUNNING")
            ("13", Some 3, "PENDING")
            ("14", None, "PENDING")
        ],
        q |> List.map (fun j -> j.Job, j.Task, j.State)
    )
    // sacct -n -P -X -o JobID,State: "CANCELLED by 0" is CANCELLED; steps (12_1.batch) are skipped
    let a =
        Slurm.parseStates "12_0|COMPLETED\n12_1|CANCELLED by 0\n12_1.batch|CANCELLED\n12_2|TIMEOUT\n"

    Assert.Equal<string list>([ "COMPLETED"; "CANCELLED"; "TIMEOUT" ], a |> List.map (fun j -> j.State))

    Assert.True(
        Slurm.isActive "PENDING"
        && Slurm.isActive "RUNNING"
        && not (Slurm.isActive "CANCELLED")
    )

let ``the array script runs the same command for its task, with every option, quoted for bash`` () =
    let settings: JobScript.ScriptSettings =
        {
            Options =
                { Scheduler.defaults with
                    Partition = Some "short"
                    Time = Some "1:00:00"
                    Memory = Some "2G"
                    CpusPerTask = 2
                    Extra = [ "--qos=long" ]
                }
            WorkingDirectory = "/work/here"
            Command = [ "dotnet"; "/opt/ecdpde.dll"; "discover"; "it's.fsx" ]
            Logs = "/out/jobs/logs"
        }

    let script = JobScript.array settings "round-1/polish" "--task" [ 0; 1; 2; 5 ]

    for line in
        [
            "#!/bin/bash"
            "#SBATCH --array=0-2,5"
            "#SBATCH --job-name=ecdpde-round-1-polish"
            "#SBATCH --chdir=/work/here"
            "#SBATCH --output=/out/jobs/logs/round-1-polish-%A_%a.out"
            "#SBATCH --cpus-per-task=2"
            "#SBATCH --partition=short"
            "#SBATCH --time=1:00:00"
            "#SBATCH --mem=2G"
            "#SBATCH --requeue"
            "#SBATCH --qos=long"
            "exec 'dotnet' '/opt/ecdpde.dll' 'discover' 'it'\\''s.fsx' --task \"round-1/polish:${SLURM_ARRAY_TASK_ID}\""
        ] do
        Assert.Contains(line, script.Split('\n'))

    let follow =
        JobScript.followUp
            { settings with
                Options =
                    { settings.Options with
                        Requeue = false
                    }
            }
            "--follow-up"

    Assert.Contains(
        "exec 'dotnet' '/opt/ecdpde.dll' 'discover' 'it'\\''s.fsx' --follow-up",
        follow.Split('\n')
    )

    Assert.DoesNotContain("#SBATCH --requeue", follow.Split('\n'))
    Assert.DoesNotContain("--array", follow)

let ``folders with spaces stand in double quotes in #SBATCH lines; a quote or backslash is refused`` () =
    let settings: JobScript.ScriptSettings =
        {
            Options = Scheduler.defaults
            WorkingDirectory = "/work/my runs"
            Command =
                [
                    "dotnet"
                    "/opt/ecd pde/ecdpde.dll"
                    "compare"
                    "/data/a study.json"
                    "--out"
                    "out dir"
                ]
            Logs = "/work/my runs/out dir/jobs/logs"
        }

    let lines = (JobScript.array settings "workflows" "--task" [ 0; 1 ]).Split('\n')

    for line in
        [
            "#SBATCH --chdir=\"/work/my runs\""
            "#SBATCH --output=\"/work/my runs/out dir/jobs/logs/workflows-%A_%a.out\""
            "exec 'dotnet' '/opt/ecd pde/ecdpde.dll' 'compare' '/data/a study.json' '--out' 'out dir' --task \"workflows:${SLURM_ARRAY_TASK_ID}\""
        ] do
        Assert.Contains(line, lines)

    Assert.Contains(
        "#SBATCH --output=\"/work/my runs/out dir/jobs/logs/follow-up-%j.out\"",
        (JobScript.followUp settings "--follow-up").Split('\n')
    )
    // a plain value stays as it is
    Assert.Equal("/work/here", JobScript.directiveValue "the working directory" "/work/here")

    for bad in [ "/work/a\"b"; "/work/a\\b"; "/work/a\nb" ] do
        let e =
            Assert.Throws<ArgumentException>(fun () ->
                JobScript.array { settings with WorkingDirectory = bad } "cells" "--task" [ 0 ]
                |> ignore)

        Assert.Contains("the working directory", e.Message)

let ``bad Slurm options and task selections are refused, naming the option`` () =
    let refused (o: Scheduler.SlurmOptions) (name: string) =
        let e =
            Assert.ThrowsAny<ArgumentException>(fun () -> Scheduler.validate o |> ignore)

        Assert.Contains(name, e.Message)

    refused
        { Scheduler.defaults with
            CpusPerTask = 0
        }
        "--cpus-per-task"

    refused { Scheduler.defaults with Retries = -1 } "--retries"

    refused
        { Scheduler.defaults with
            Time = Some "1 hour"
        }
        "--time"

    refused
        { Scheduler.defaults with
            Partition = Some "a b"
        }
        "--partition"

    refused
        { Scheduler.defaults with
            Extra = [ "qos=long" ]
        }
        "--sbatch-option"

    Assert.Equal(("round-1/polish", 3), SlurmExecutor.parseTask "round-1/polish:3")

    Assert.ThrowsAny<ArgumentException>(fun () -> SlurmExecutor.parseTask "round-0" |> ignore)
    |> ignore

    Assert.ThrowsAny<ArgumentException>(fun () -> SlurmExecutor.parseTask "round-0:-1" |> ignore)
    |> ignore

let ``in process, only the unfinished tasks run, and a batch left unfinished is an error`` () =
    let root = scratch ()
    let b, ran = batch root "cells" 5
    File.WriteAllText(b.ResultFile 1, "done before")
    File.WriteAllText(b.ResultFile 3, "done before")
    TaskBatch.execute TaskBatch.inProcess b
    Assert.Equal<int list>([ 0; 2; 4 ], ran |> Seq.sort |> List.ofSeq)
    Assert.Equal("done before", File.ReadAllText(b.ResultFile 1))

    let idle: TaskBatch.Executor = { Execute = ignore; IsTask = false }

    let b2, _ = batch root "other" 2

    Assert.Throws<TaskBatch.TasksUnfinished>(fun () -> TaskBatch.execute idle b2)
    |> ignore

/// An array task's setup for `root`: it never calls Slurm.
let private taskSetup (root: string) (key: string) (index: int) : SlurmExecutor.ExecutorSettings =
    {
        Options = Scheduler.defaults
        Root = root
        WorkingDirectory = root
        Command = [ "ecdpde" ]
        TaskOption = "--task"
        FollowUpOption = "--follow-up"
        Role = SlurmExecutor.Task(key, index)
    }

let ``an array task passes finished batches, runs its own task alone and stops; an unfinished earlier batch is an error``
    ()
    =
    let root = scratch ()
    let first, firstRan = batch root "round-0" 2
    let own, ownRan = batch root "round-1" 4
    File.WriteAllText(first.ResultFile 0, "")
    File.WriteAllText(first.ResultFile 1, "")
    let executor = SlurmExecutor.executor (taskSetup root "round-1" 2)
    Assert.True executor.IsTask
    TaskBatch.execute executor first
    Assert.Empty firstRan

    Assert.Throws<TaskBatch.TaskFinished>(fun () -> TaskBatch.execute executor own)
    |> ignore

    Assert.Equal<int list>([ 2 ], List.ofSeq ownRan)
    // its task finished already (a requeued task): nothing runs, the task stops
    Assert.Throws<TaskBatch.TaskFinished>(fun () -> TaskBatch.execute executor own)
    |> ignore

    Assert.Equal(1, ownRan.Count)
    // a task of round 2 meeting round 1 unfinished
    let later = SlurmExecutor.executor (taskSetup root "round-2" 0)

    let e =
        Assert.Throws<InvalidOperationException>(fun () -> TaskBatch.execute later own)

    Assert.Contains("round-1", e.Message)
    Assert.Contains("0-1,3", e.Message)
    // an index beyond the batch
    let beyond = SlurmExecutor.executor (taskSetup root "round-1" 4)

    Assert.ThrowsAny<ArgumentException>(fun () -> TaskBatch.execute beyond own)
    |> ignore

let ``status counts done, running, queued, stopped and failed tasks from files and the queue`` () =
    let root = scratch ()
    Directory.CreateDirectory(Path.Combine(root, "r")) |> ignore

    for i in [ 0; 1 ] do
        File.WriteAllText(Path.Combine(root, "r", sprintf "%d.json" i), "")

    let submission id tasks : JobsFile.Submission =
        {
            ArrayJob = id
            FollowUpJob = id + "9"
            Tasks = tasks
            Script = "jobs/r.sbatch"
            FollowUpScript = "jobs/follow-up.sbatch"
            Submitted = JobsFile.now ()
        }

    let record: JobsFile.BatchRecord =
        {
            Key = "r"
            Results = [ for i in 0..5 -> sprintf "r/%d.json" i ]
            Attempts = 2
            GaveUp = false
            // task 5 was resubmitted as array 21; its old task in array 20 is no longer what counts
            Submissions = [ submission "20" [ 0..5 ]; submission "21" [ 5 ] ]
        }

    let jobs: JobsFile.Jobs =
        {
            Format = JobsFile.format
            Command = [ "ecdpde"; "discover" ]
            Batches = [ record ]
        }

    JobsFile.write root jobs
    let back = (JobsFile.tryRead root).Value
    Assert.Equal(jobs, back)

    let queue =
        Slurm.parseStates "20_2|RUNNING\n20_3|PENDING\n20_5|RUNNING\n21_5|PENDING\n219|PENDING\n"

    let ended = Slurm.parseStates "20_4|TIMEOUT\n"
    let tasks = JobStatus.tasks root back queue ended
    // 0, 1 done; 2 running; 3 queued; 4 stopped (ended TIMEOUT); 5 queued in its resubmission
    Assert.Equal((2, 1, 2, 1, 0), JobStatus.counts tasks)
    Assert.Equal(Some "TIMEOUT", tasks[4].Ended)
    Assert.Equal<string list>([ "219" ], JobStatus.followUps back queue)

    let gaveUp =
        JobStatus.tasks root (JobsFile.withBatch back { record with GaveUp = true }) [] []

    Assert.Equal((2, 0, 0, 0, 4), JobStatus.counts gaveUp)
    Assert.Equal(None, JobsFile.tryRead (scratch ()))

[<Tests>]
let tests =
    testList
        "ClusterTests"
        [
            testCase
                "array lists are ascending ranges of consecutive ids"
                ``array lists are ascending ranges of consecutive ids``
            testCase
                "sbatch, squeue and sacct output is parsed as Slurm prints it"
                ``sbatch, squeue and sacct output is parsed as Slurm prints it``
            testCase
                "the array script runs the same command for its task, with every option, quoted for bash"
                ``the array script runs the same command for its task, with every option, quoted for bash``
            testCase
                "folders with spaces stand in double quotes in #SBATCH lines; a quote or backslash is refused"
                ``folders with spaces stand in double quotes in #SBATCH lines; a quote or backslash is refused``
            testCase
                "bad Slurm options and task selections are refused, naming the option"
                ``bad Slurm options and task selections are refused, naming the option``
            testCase
                "in process, only the unfinished tasks run, and a batch left unfinished is an error"
                ``in process, only the unfinished tasks run, and a batch left unfinished is an error``
            testCase
                "an array task passes finished batches, runs its own task alone and stops; an unfinished earlier batch is an error"
                ``an array task passes finished batches, runs its own task alone and stops; an unfinished earlier batch is an error``
            testCase
                "status counts done, running, queued, stopped and failed tasks from files and the queue"
                ``status counts done, running, queued, stopped and failed tasks from files and the queue``
        ]
    |> testSequencedGroup "EcdPde.Runs.Tests.ClusterTests"
