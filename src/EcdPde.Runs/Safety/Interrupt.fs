/// A request to stop, from a signal (SIGINT, SIGTERM) or a caller: every run loop checks it after each step, ends
/// its run with a final checkpoint and raises RunInterrupted, so that nothing finished is lost and no partial result
/// is reported as complete.
module EcdPde.Runs.Interrupt

open System
open System.Threading

/// The exit code the request asks for (130 for SIGINT, 143 for SIGTERM); 0 while none is pending.
let mutable private code = 0

/// Asks every run to stop at its next step; `exitCode` is what the process should exit with.
let request (exitCode: int) =
    Interlocked.CompareExchange(&code, exitCode, 0) |> ignore

/// True once a stop was requested.
let requested () = Volatile.Read(&code) <> 0

/// The exit code of the pending request (0 when none).
let exitCode () = Volatile.Read(&code)

/// Clears the request (for tests and for a process that runs on after handling it).
let clear () = Volatile.Write(&code, 0)

/// A run stopped because a stop was requested; its checkpoint and trace are written.
type RunInterrupted(exitCode: int) =
    inherit
        Exception(
            sprintf
                "interrupted (exit code %d): the runs stopped at a checkpoint; rerun the same command to continue"
                exitCode
        )

    /// The exit code the request asked for.
    member _.ExitCode = exitCode
