namespace Pde.FSharp.Language

open System

/// A PDE problem that cannot be trained as written: an unknown symbol, a derivative the engine cannot provide,
/// a dimension mismatch, an empty domain, zero points, a NaN constant. The message names every problem found.
type ProblemError(problems: string list) =
    inherit
        ArgumentException(
            match problems with
            | [ one ] -> one
            | many -> sprintf "%d problems:\n  - %s" many.Length (String.Join("\n  - ", many))
        )

    /// The individual problems, one sentence each.
    member _.Problems = problems

    /// One problem.
    new(problem: string) = ProblemError [ problem ]
