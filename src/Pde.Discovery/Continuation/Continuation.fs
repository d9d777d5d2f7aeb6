/// Deflated continuation on networks (defcon's algorithm, Farrell, Beentjes & Birkisson 2016, with networks for
/// Newton): follows every solution of a family of problems along one parameter. At the first value of the path it
/// runs a discovery (as `Discovery.run`); at every next value it warm-starts one network per known branch from the
/// previous value's weights, certifies each point classically, ends the branches that fail or merge, and picks up
/// new branches by deflated runs (ContinuationStep). Writes `continuation.json` (ContinuationFile) after every value,
/// each value's runs in `value-III/`; resumable from the finished values and the runs' checkpoints, and its runs go
/// through the settings' executor (threads, or Slurm array tasks).
module Pde.Discovery.Continuation

open System
open System.IO
open Pde.FSharp.Problems
open Pde.Discovery.Solutions
open Pde.Discovery.Subject
open Pde.Discovery.ContinuationStep

/// A family of problems along one parameter: the problem and its discovery settings (their parameters, probes and
/// classical check) at every value.
[<NoEquality; NoComparison>]
type Family =
    {
        /// The parameter's name (k, lambda, epsilon, or a constant of the problem).
        Parameter: string
        /// The problem and its settings at a value.
        At: float -> Problem * DiscoverySettings
    }

/// The family of a problem along its constant `name` (declared with Problem.constant): the problem with the
/// constant set to each value; the settings record the value among their parameters and keep their classical check
/// only at the constant's own value. An unknown name is an error that lists the problem's constants.
let ofConstant (name: string) (problem: Problem) (settings: DiscoverySettings) =
    match problem.Constants.TryFind name with
    | None ->
        invalidArg
            "param"
            (sprintf
                "the problem '%s' has no constant '%s' (%s)"
                settings.Name
                name
                (if problem.Constants.IsEmpty then
                     "it declares none: Problem.constant NAME VALUE declares one"
                 else
                     "its constants: " + String.Join(", ", problem.Constants.Keys)))
    | Some own ->
        {
            Parameter = name
            At =
                fun v ->
                    Problem.constant name v problem,
                    { settings with
                        Parameters = (settings.Parameters |> List.filter (fst >> (<>) name)) @ [ name, v ]
                        Classical = if v = own then settings.Classical else None
                    }
        }

/// The folder of the value at index i (relative to the continuation folder).
let valueFolder (index: int) = sprintf "value-%03d" index

/// The network of the path at a value and its interior collocation points: the settings' until a discovery on the
/// path grows them (Capacity), then the grown ones, which the branches' warm starts need.
type PathNetwork =
    {
        Architecture: Pde.FSharp.Training.Architecture
        InteriorPoints: int
    }

/// The network of a value's record, on the settings' initialization (the settings' network and points for a record
/// written before the records had one).
let private networkOf (s: DiscoverySettings) (value: ContinuationFile.ParameterValue) =
    if isNull (box value.Network) || value.InteriorPoints <= 0 then
        {
            Architecture = s.Network
            InteriorPoints = s.InteriorPoints
        }
    else
        {
            Architecture =
                { s.Network with
                    Layers = ContinuationFile.layersOf value
                }
            InteriorPoints = value.InteriorPoints
        }

/// The problem and settings at value `v` (index i): the family's problem, the given settings with the family's
/// parameters, probes and classical check at v and the path's network, in the value's folder.
let private settingsAt
    (family: Family)
    (s: DiscoverySettings)
    (root: string)
    (network: PathNetwork)
    (index: int)
    (v: float)
    =
    let problem, own = family.At v

    problem,
    { s with
        Parameters = own.Parameters
        Classical = own.Classical
        Network = network.Architecture
        InteriorPoints = network.InteriorPoints
        OutDir = Some(Path.Combine(root, valueFolder index))
    }

/// The file record of a point.
let private record (subject: Subject) (root: string) (p: Point) : ContinuationFile.BranchPoint =
    let c = p.Candidate
    let _, _, probe = c.Probes.Head

    let certification: ContinuationFile.CertificationRecord =
        match p.Certification with
        | None ->
            {
                Status = "off"
                Detail = "certification was not asked for"
                Distance = nan
                ErrorEstimate = nan
                ClassicalProbe = nan
            }
        | Some cert ->
            let r = Certification.record subject cert
            let px, py = subject.Probes.Head

            {
                Status = r.Status
                Detail = r.Detail
                Distance = r.Distance
                ErrorEstimate = r.ErrorEstimate
                ClassicalProbe =
                    match Certification.solutionOf cert with
                    | Some sol -> (sol.Values subject.Problem.Fields.Head [| [| px; py |] |])[0]
                    | None -> nan
            }

    {
        Branch = p.Number
        Status = p.Status
        Reason = p.Reason
        Probe = probe
        L2Norm = normL2 subject.Weights c.Values
        MaxU = Array.max c.Values[.. subject.Grid.Length - 1]
        ResidualL2 = c.ResidualL2
        BoundaryMax = c.BoundaryMax
        Certification = certification
        RunFolder = Path.GetRelativePath(root, p.Folder)
    }

/// A discovery at one value (the first, or one where no branch is alive): its distinct solutions that are certified
/// (every one when certification is off) start branches, numbered from `nextNumber`; with the network they are of
/// (a grown one when the discovery's capacity grew).
let private discover (subject: Subject) (s: DiscoverySettings) progress (nextNumber: int) =
    let outcome = Workflow.runSubject subject s progress
    let root = outcome.RunsFolder

    let folderOf (c: Candidate) =
        // a grown attempt on fresh points is not polished (Capacity.attemptSettings): its run's own folder
        if s.PolishSteps > 0L && Directory.Exists(RunFolders.polishFolder root c.Run) then
            RunFolders.polishFolder root c.Run
        else
            RunFolders.runFolder (Path.Combine(root, RunFolders.roundFolder c.Run.Round)) c.Run.Index

    outcome.Found
    |> List.mapi (fun i f -> f, List.tryItem i outcome.Certifications)
    |> List.filter (fun (_, cert) ->
        match cert with
        | None
        | Some(Pde.FSharp.Classical.Certify.Certified _) -> true
        | Some _ -> false)
    |> List.mapi (fun i (f, cert) ->
        {
            Number = nextNumber + i
            Candidate = f.Solution.Representative
            Folder = folderOf f.Solution.Representative
            Certification = cert
            Status = "found"
            Reason = sprintf "the discovery at this value (round %d)" f.Round
        }),
    {
        Architecture = outcome.Network
        InteriorPoints = outcome.InteriorPoints
    }

/// The settings as recorded (the identity of the folder and continuation.json).
let private folderRecord (family: Family) (path: ParameterPath.ParameterPath) (s: DiscoverySettings) problem =
    ({
        Format = ContinuationFile.folderFormat
        Name = s.Name
        Parameter = family.Parameter
        Start = path.Start
        Stop = path.Stop
        Step = path.Step
        Settings = Workflow.settingsRecord s
        Definition = Terms.describe problem
        Threads =
            (if s.Threads <= 0 then
                 Environment.ProcessorCount
             else
                 s.Threads)
        Network =
            sprintf
                "%A; %d interior + %d boundary points, grid %d, on the %s backend"
                s.Network
                s.InteriorPoints
                s.BoundaryPoints
                s.GridPoints
                s.Backend.Name
    }
    : ContinuationFile.ContinuationFolder)

/// The branches alive after a finished value, read back from its branch files (after a resume: without their
/// classical solutions).
let private branchesOf (root: string) (value: ContinuationFile.ParameterValue) =
    value.Branches
    |> List.filter (fun b -> b.Status <> "ended")
    |> List.map (fun b ->
        ({
            Number = b.Branch
            Point =
                RunResultFile.read (ContinuationFile.branchFile (Path.Combine(root, value.Folder)) b.Branch)
            Classical = None
        }
        : Branch))

/// continuation.json before any value is finished.
let private emptyFile
    (family: Family)
    (path: ParameterPath.ParameterPath)
    (s: DiscoverySettings)
    (subject0: Subject)
    =
    ({
        Format = ContinuationFile.format
        Problem = Workflow.problemRecord subject0
        Parameter = family.Parameter
        Start = path.Start
        Stop = path.Stop
        Step = path.Step
        ProbeX = fst subject0.Probes.Head
        ProbeY = snd subject0.Probes.Head
        Settings = Workflow.settingsRecord s
        Values = []
        Complete = false
        Tool = SolutionsFile.tool ()
    }
    : ContinuationFile.Continuation)

/// One value (index i, value v) after the finished ones in `file`: a discovery when no branch is alive, else the
/// continuation of `branches`; the living points' branch files are written. The value's record and the branches
/// alive after it.
let private step
    (family: Family)
    (s: DiscoverySettings)
    (root: string)
    progress
    (file: ContinuationFile.Continuation)
    (branches: Branch list)
    (network: PathNetwork)
    (i: int, v: float)
    =
    let problem, sv = settingsAt family s root network i v
    let subject = compile problem sv

    let next =
        1
        + (file.Values
           |> List.collect _.Branches
           |> List.fold (fun m b -> max m b.Branch) 0)

    let points, network =
        if branches.IsEmpty then
            discover subject sv progress next
        else
            ContinuationStep.run subject sv progress next branches, network

    let dir = Path.Combine(root, valueFolder i)

    for p in points |> List.filter alive do
        // a copy of the branch's network at this value (the next value's warm start), not a run of its own
        RunResultFile.write
            (ContinuationFile.branchFile dir p.Number)
            p.Candidate
            {
                Reason = "the branch's network at this parameter value, kept as the next value's warm start"
                Stalled = false
                Steps = 0L
            }

    let value: ContinuationFile.ParameterValue =
        {
            Index = i
            Value = v
            Folder = valueFolder i
            Branches = points |> List.map (record subject root)
            Network = ContinuationFile.layerRecords network.Architecture.Layers
            InteriorPoints = network.InteriorPoints
        }

    value,
    network,
    points
    |> List.filter alive
    |> List.map (fun p ->
        ({
            Number = p.Number
            Point = p.Candidate
            Classical = p.Certification |> Option.bind Certification.solutionOf
        }
        : Branch))

/// Follows every solution of `family` along `path` with the settings `s` (its output folder holds continuation.json
/// and a folder per value); resumes from the finished values of an earlier run in the same folder (the same family,
/// path and settings, else IdentityMismatchException). `progress` is called after every training step, `onValue`
/// after every finished value. Returns continuation.json's record and its path.
let run
    (family: Family)
    (path: ParameterPath.ParameterPath)
    (s: DiscoverySettings)
    (progress: Workflow.DiscoveryProgress -> unit)
    (onValue: ContinuationFile.ParameterValue -> unit)
    =
    let values = ParameterPath.values path
    let root = DiscoverySettings.outDir s
    Directory.CreateDirectory root |> ignore
    use _lock = EcdPde.Runs.TaskBatch.lockFolder s.Executor root

    let first =
        {
            Architecture = s.Network
            InteriorPoints = s.InteriorPoints
        }

    let problem0, s0 = settingsAt family s root first 0 values.Head

    EcdPde.Runs.FolderIdentity.claim
        ContinuationFile.folderFormat
        root
        ContinuationFile.folderName
        (folderRecord family path s problem0)

    let filePath = Path.Combine(root, ContinuationFile.name)

    let start =
        if File.Exists filePath then
            ContinuationFile.read filePath
        else
            emptyFile family path s (compile problem0 s0)

    let mutable file = start

    let mutable branches =
        match List.tryLast start.Values with
        | Some last -> branchesOf root last
        | None -> []

    let mutable network =
        match List.tryLast start.Values with
        | Some last -> networkOf s last
        | None -> first

    for i, v in values |> List.indexed |> List.skip start.Values.Length do
        let value, grown, living = step family s root progress file branches network (i, v)
        network <- grown

        file <-
            { file with
                Values = file.Values @ [ value ]
                Complete = (i = values.Length - 1)
            }

        ContinuationFile.write root file |> ignore
        branches <- living
        onValue value

    file, filePath
