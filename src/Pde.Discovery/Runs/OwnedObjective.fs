namespace Pde.Discovery

open System
open Ecd.Core.Objectives

/// An objective that disposes what it owns (its loss, deflation factor and worker pool) with itself.
type OwnedObjective(inner: IObjective<float>, owned: IDisposable list) =
    interface IObjective<float> with
        member _.Dimension = inner.Dimension
        member _.Evaluate(theta, gradient) = inner.Evaluate(theta, gradient)

    interface IDisposable with
        member _.Dispose() =
            for d in owned do
                d.Dispose()
