/// `ecdpde report DIR`: recognizes which kind of run folder DIR is from the files in it and writes its report.html.
/// Each kind is a `FolderKind` value. The extension point: a new kind of folder (say, `ecdpde compare` studies) gets a
/// report by adding its FolderKind to `kinds` (or by passing an extended list to `writeWith`); the first kind that
/// recognizes a folder wins, so more specific kinds come first.
module EcdPde.Reports.FolderReport

open System
open System.IO

/// A kind of run folder and its report.
type FolderKind =
    {
        /// What the folder is, for messages ("discovery").
        Name: string
        /// The files that identify it, for the error when nothing matches.
        Expects: string
        /// True when the folder is of this kind.
        Recognizes: string -> bool
        /// Writes the folder's report.html and returns its path.
        Write: string -> string
        /// What the page lists as not read from the folder's files (lines of a trace that are not whole rows, …),
        /// each naming the file, for the command line to print too; empty when everything was read.
        Problems: string -> string list
        /// Writes the folder's figures as standalone SVG files (into FOLDER/figures) and returns their paths; None
        /// for kinds without standalone figures.
        WriteFigures: (string -> string list) option
    }

/// `ecdpde discover` output: solutions.json.
let discovery =
    {
        Name = "discovery"
        Expects = "solutions.json (from `ecdpde discover`)"
        Recognizes = fun dir -> File.Exists(Path.Combine(dir, "solutions.json"))
        Write = DiscoveryReport.write
        Problems = DiscoveryData.traces >> DiscoveryData.traceProblems
        WriteFigures = Some DiscoveryReport.writeFigures
    }

/// `ecdpde drift trace|find|scaling` output: trace.json, find.json or scaling.json.
let drift =
    {
        Name = "energy drift"
        Expects = "trace.json, find.json or scaling.json (from `ecdpde drift`)"
        Recognizes = DriftFolderReport.recognizes
        Write = DriftFolderReport.write
        Problems = fun _ -> []
        WriteFigures = None
    }

/// `ecdpde compare` output: study.json (with cells/) or multi-solution.json.
let comparison =
    {
        Name = "comparative study"
        Expects = "study.json or multi-solution.json (from `ecdpde compare`)"
        Recognizes =
            fun dir ->
                File.Exists(CompareReport.studyFile dir)
                || File.Exists(CompareReport.multiSolutionFile dir)
        Write = CompareReport.write
        Problems = fun _ -> []
        WriteFigures = None
    }

/// `ecdpde reproduce` output: results.json.
let reproduction =
    {
        Name = "reproduction"
        Expects = "results.json (from `ecdpde reproduce`)"
        Recognizes = ReproduceReport.recognizes
        Write = ReproduceReport.write
        Problems = fun _ -> []
        WriteFigures = None
    }

/// `ecdpde optimize` output (and single discovery runs): trace CSVs and checkpoints.
let optimization =
    {
        Name = "optimization runs"
        Expects =
            "a trace CSV whose header starts with step,loss,energy or an optimizer checkpoint (from `ecdpde optimize --trace/--checkpoint`)"
        Recognizes = OptimizeReport.recognizes
        Write = OptimizeReport.write
        Problems = OptimizeReport.traceProblems
        WriteFigures = None
    }

/// `ecdpde continue` output: continuation.json.
let continuation =
    {
        Name = "continuation"
        Expects = "continuation.json (from `ecdpde continue`)"
        Recognizes = ContinuationReport.recognizes
        Write = ContinuationReport.write
        Problems = fun _ -> []
        WriteFigures = Some ContinuationReport.writeImages
    }

/// `ecdpde compare bounce-only` output: bounce-only.json (its folder also has study.json: recognized first).
let bounceStudy =
    {
        Name = "bounce-only study"
        Expects = "bounce-only.json (from `ecdpde compare bounce-only`)"
        Recognizes = BounceReport.recognizes
        Write = BounceReport.write
        Problems = fun _ -> []
        WriteFigures = None
    }

/// The kinds `ecdpde report` knows, most specific first.
let kinds =
    [
        continuation
        discovery
        bounceStudy
        comparison
        reproduction
        drift
        optimization
    ]

/// The first kind in `kinds` that recognizes `dir`.
let detect (kinds: FolderKind list) (dir: string) =
    kinds |> List.tryFind (fun k -> k.Recognizes dir)

/// The first kind in `kinds` that recognizes `dir`; errors name the folder and what was expected.
let private recognize (kinds: FolderKind list) (dir: string) =
    if not (Directory.Exists dir) then
        invalidArg "dir" (sprintf "the folder '%s' does not exist" dir)

    match detect kinds dir with
    | Some kind -> kind
    | None ->
        invalidArg
            "dir"
            (sprintf
                "'%s' holds nothing `ecdpde report` recognizes; expected one of: %s"
                dir
                (String.Join("; ", kinds |> List.map _.Expects)))

/// Writes the report of `dir` with the first kind that recognizes it; returns the kind and the report's path.
/// Errors name the folder and what was expected.
let writeWith (kinds: FolderKind list) (dir: string) =
    let kind = recognize kinds dir
    kind, kind.Write dir

/// Writes the report of `dir` with the built-in kinds.
let write (dir: string) = writeWith kinds dir

/// Writes the standalone figures of `dir` (recognized as `write` does) into `dir/figures`; returns the kind and the
/// paths. An error names the folder's kind when it has no standalone figures.
let writeFigures (dir: string) =
    match recognize kinds dir with
    | { WriteFigures = Some figures } as kind -> kind, figures dir
    | kind ->
        invalidArg
            "dir"
            (sprintf
                "'%s' is a %s folder: only discovery folders (solutions.json) have standalone figures so far"
                dir
                kind.Name)
