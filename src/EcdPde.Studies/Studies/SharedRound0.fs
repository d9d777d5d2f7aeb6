/// The round 0 that the Deflated strategies of a multi-solution study share per problem and seed (they differ only
/// in their deflated rounds): run once in its own folder as a workflow without deflation rounds, then copied into each
/// strategy's workflow folder, where the workflow reads the finished runs back. The study runs every shared round 0
/// as a batch of its own (`shared-round-0`) before the workflows, so on Slurm no two array tasks compute or lock it.
module EcdPde.Studies.SharedRound0

open System.IO
open Pde.Discovery

/// The file whose existence means a shared round 0 is finished (its workflow wrote it).
let resultFile (shared: string) = Path.Combine(shared, "solutions.json")

/// Runs (or resumes) the shared round 0 in the folder `shared`: the workflow `ws` of a Deflated strategy of `example`
/// without deflation rounds and with one identity whichever strategy's job runs it.
let run (example: PdeProblem.Example) (ws: DiscoverySettings) (shared: string) =
    RunCosts.measure
        example
        { ws with
            DeflationRounds = 0
            DeflationOptimizer = "adam"
            DeflationOptimizerSettings = []
            OutDir = Some shared
        }
    |> ignore

/// Copies a folder tree (files that exist are kept).
let rec private copyTree (source: string) (target: string) =
    Directory.CreateDirectory target |> ignore

    for f in Directory.GetFiles source do
        let t = Path.Combine(target, Path.GetRelativePath(source, f))

        if not (File.Exists t) then
            File.Copy(f, t)

    for d in Directory.GetDirectories source do
        copyTree d (Path.Combine(target, Path.GetRelativePath(source, d)))

/// Copies the finished shared round 0 in `shared` (its round-0 folder and run costs) into the workflow folder `target`
/// unless it is there already. It only reads the shared folder, so the strategies' jobs may copy it at once (as Slurm
/// array tasks do); an unfinished shared round 0 is an error naming it.
let share (shared: string) (target: string) =
    if not (File.Exists(resultFile shared)) then
        invalidOp (sprintf "%s: the shared round 0 is not finished (no solutions.json)" shared)

    let round0 = RunFolders.roundFolder 0

    if not (Directory.Exists(Path.Combine(target, round0))) then
        copyTree (Path.Combine(shared, round0)) (Path.Combine(target, round0))

        if (RunCosts.read target).IsEmpty then
            RunCosts.write target (RunCosts.read shared)
