/// The one objective builder: the same seed gives the same θ₀ whoever asks (a direct build, training, the parts
/// discovery uses), different seeds give different ones, and the problem's trainable parameters follow the weights.
module Pde.FSharp.Tests.Training.ObjectiveTests

open Xunit
open Expecto
open Ecd.Core.Engine
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training

let private u = field "u"

let private problem =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (-laplacian u - parameter "c")
    |> Problem.dirichlet Boundary.all u (num 0.0)
    |> Problem.parameter "c" 0.75

let private d =
    Discretize.run
        { PointSettings.defaults with
            Interior = 30
            Boundary = 12
        }
        problem

let private architecture = Architecture.mlp [ 5; 5 ] Activation.Tanh

let ``the same seed gives the same starting point to every caller`` () =
    use a = Objective.build<float> d architecture 0.0 1 7UL
    use b = Objective.build<float> d architecture 0.0 1 7UL
    use c = Objective.build<float> d architecture 0.0 1 8UL
    Assert.Equal<float[]>(a.Start, b.Start)
    Assert.NotEqual<float[]>(a.Start, c.Start)
    // the parts discovery assembles: network of the seed, start of the seed
    let network = Objective.network<float> (Objective.spec problem architecture) 7UL
    Assert.Equal<float[]>(a.Start, Objective.start network problem 7UL)
    // the trainable parameter follows the network's weights
    Assert.Equal(0.75, Array.last a.Start)
    // training with no steps ends where it started
    let trained =
        Train.run
            { TrainingOptions.defaults with
                Network = architecture
                Stages = [ Stage.adam 1e-3 0L ]
                Seed = 7UL
                Threads = 1
            }
            d

    Assert.Equal<float[]>(a.Start, Array.append trained.Model.Weights [| snd trained.Model.Parameters.Head |])
    Assert.Equal(7UL, trained.Model.NetworkSeed)

[<Tests>]
let tests =
    testList
        "ObjectiveTests"
        [
            testCase
                "the same seed gives the same starting point to every caller"
                ``the same seed gives the same starting point to every caller``
        ]
    |> testSequencedGroup "Pde.FSharp.Tests.Training.ObjectiveTests"
