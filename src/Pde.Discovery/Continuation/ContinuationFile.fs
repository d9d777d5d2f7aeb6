/// `continuation.json`, the result of a deflated continuation: the problem, the continued parameter and its path,
/// and for every finished parameter value each branch's point there — its functionals (u at the centre, ‖u‖ in L² on
/// the evaluation grid, max u), residual, classical certification and the run folder it comes from — or why the
/// branch ended there. Rewritten after every parameter value, so an interrupted continuation resumes from the
/// finished values. One record type, one writer, one reader (format ecdpde-continuation/1). Beside it,
/// `value-III/branch-B.json` keeps each branch point's run result (RunResultFile: its field and weights), which the
/// next value warm-starts from.
module Pde.Discovery.ContinuationFile

open System.IO

/// The format tag of continuation.json.
let format = "ecdpde-continuation/1"

/// The file name.
let name = "continuation.json"

/// The format tag of continuation-folder.json (the identity a rerun in the same folder must match).
let folderFormat = "ecdpde-continuation-folder/1"

/// The file name of the folder's identity.
let folderName = "continuation-folder.json"

/// The classical certification of a branch point.
type CertificationRecord =
    {
        /// "certified", "moved", "not certified" or "off" (certification not asked for).
        Status: string
        /// What the classical solve did, or why it failed.
        Detail: string
        /// Relative L² distance network ↔ classical solution (null when there is none).
        Distance: float
        /// Estimated relative discretization error of the classical solution (Richardson; null when none).
        ErrorEstimate: float
        /// The classical solution's first field at the first probe (null when none).
        ClassicalProbe: float
    }

/// One branch at one parameter value.
type BranchPoint =
    {
        /// The branch's number (1, 2, … in the order branches were found).
        Branch: int
        /// "continued" (warm-started from the previous value), "found" (by the discovery or by a deflated run at this
        /// value: the branch starts here) or "ended" (the branch ends here: Reason says why; the functionals are those
        /// of the run that tried to continue it).
        Status: string
        /// How the point was found, or why the branch ended.
        Reason: string
        /// The first field at the first probe ("u(centre)").
        Probe: float
        /// The weighted L² norm of the fields on the evaluation grid.
        L2Norm: float
        /// The largest value of the first field on the evaluation grid.
        MaxU: float
        ResidualL2: float
        BoundaryMax: float
        Certification: CertificationRecord
        /// The run folder (relative to the continuation folder) whose network this point is.
        RunFolder: string
    }

/// One hidden layer of a network: Kind "dense" (Size = width, Activation), "residual" (Activation) or "fourier"
/// (Size = frequencies, Scale = σ).
type LayerRecord =
    {
        Kind: string
        Size: int
        Activation: string
        Scale: float
    }

/// One finished parameter value.
type ParameterValue =
    {
        /// Its index on the path (0 = the start).
        Index: int
        Value: float
        /// Its folder (relative to the continuation folder).
        Folder: string
        /// Every branch alive here, and those that ended here.
        Branches: BranchPoint list
        /// The hidden layers of the network the branch points are (the settings' network, or the one a discovery on
        /// the path grew to: the next value warm-starts this network).
        Network: LayerRecord list
        /// The interior collocation points of that network's training.
        InteriorPoints: int
    }

/// continuation.json.
type Continuation =
    {
        Format: string
        Problem: SolutionsFile.ProblemRecord
        /// The continued parameter.
        Parameter: string
        Start: float
        Stop: float
        Step: float
        /// The first probe (x, y): where `Probe` is taken.
        ProbeX: float
        ProbeY: float
        Settings: SolutionsFile.SearchSettings
        /// The finished values, in path order.
        Values: ParameterValue list
        /// True when every value of the path is finished.
        Complete: bool
        Tool: SolutionsFile.ToolRecord
    }

/// continuation-folder.json: what a rerun in the same folder must match to resume it.
type ContinuationFolder =
    {
        Format: string
        Name: string
        Parameter: string
        Start: float
        Stop: float
        Step: float
        Settings: SolutionsFile.SearchSettings
        /// The problem at the start of the path, as written.
        Definition: string
        /// Cores used (the engine's sums depend on how they are split).
        Threads: int
        /// The network and the collocation settings.
        Network: string
    }

/// Writes continuation.json into `dir` (atomically) and returns its path.
let write (dir: string) (c: Continuation) =
    let path = Path.Combine(dir, name)
    EcdPde.Runs.JsonFile.write path c
    path

/// Reads a continuation.json (ResultFileException naming the file and the problem when it cannot).
let read (path: string) : Continuation =
    EcdPde.Runs.JsonFile.read<Continuation> format path

/// The records of a network's hidden layers.
let layerRecords (layers: Ecd.Core.Engine.LayerSpec list) : LayerRecord list =
    layers
    |> List.map (fun l ->
        match l with
        | :? Ecd.Core.Engine.Dense as d ->
            {
                Kind = "dense"
                Size = d.Width
                Activation = string d.Activation
                Scale = nan
            }
        | :? Ecd.Core.Engine.Residual as r ->
            {
                Kind = "residual"
                Size = 0
                Activation = string r.Activation
                Scale = nan
            }
        | :? Ecd.Core.Engine.FourierFeatures as f ->
            {
                Kind = "fourier"
                Size = f.Count
                Activation = ""
                Scale = f.Scale
            }
        | l ->
            invalidArg "network" (sprintf "a layer continuation.json cannot record: %s" (l.GetType().Name)))

/// The hidden layers of a value's network, from its records.
let layersOf (value: ParameterValue) : Ecd.Core.Engine.LayerSpec list =
    let activation (a: string) =
        System.Enum.Parse<Ecd.Core.Engine.Activation>(a)

    value.Network
    |> List.map (fun l ->
        match l.Kind with
        | "dense" -> Ecd.Core.Engine.Dense(l.Size, activation l.Activation) :> Ecd.Core.Engine.LayerSpec
        | "residual" -> Ecd.Core.Engine.Residual(activation l.Activation)
        | "fourier" -> Ecd.Core.Engine.FourierFeatures(l.Size, l.Scale)
        | k -> invalidArg "continuation.json" (sprintf "value %g: unknown layer kind '%s'" value.Value k))

/// The file of branch `branch`'s point at a value folder (its run result: field and weights).
let branchFile (valueFolder: string) (branch: int) =
    Path.Combine(valueFolder, sprintf "branch-%d.json" branch)

/// Reads the continuation-folder.json of the folder `dir` (ResultFileException naming the file when it cannot).
let readFolder (dir: string) : ContinuationFolder =
    EcdPde.Runs.JsonFile.read<ContinuationFolder> folderFormat (Path.Combine(dir, folderName))
