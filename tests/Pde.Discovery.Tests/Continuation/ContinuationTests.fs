/// Deflated continuation: the parameter path (values, exact stops, every bad range refused with a message naming
/// it), the family of a problem along a constant, Bratu followed along λ (both branches at every value, each point
/// certified and equal to the finite-difference Bratu solution of that λ computed independently by Bratu.system2D),
/// and resumption from the finished values. Small sizes: a tanh 16-16 network, 400 + 80 points.
module Pde.Discovery.Tests.ContinuationTests

open System
open System.IO
open Xunit
open Expecto
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Training
open Pde.FSharp.Classical
open Pde.Discovery

let ``values of a path: increasing, decreasing, exact stops`` () =
    let values text =
        ParameterPath.values (snd (ParameterPath.parse text))

    Assert.Equal<float list>([ 2.0 .. 20.0 ], values "k=2:20:1")
    Assert.Equal<float list>([ 3.0; 2.5; 2.0; 1.5; 1.0 ], values "lambda=3:1:-0.5")
    // 0.1 steps land on the stop exactly (computed from the start, not summed)
    let tenths = values "epsilon=0.1:0.2:0.01"
    Assert.Equal(11, tenths.Length)
    Assert.Equal(0.2, List.last tenths)
    // a stop that is not a whole number of steps away is not passed
    Assert.Equal<float list>(
        [ 2.0; 2.4; 2.8 ] |> List.map (fun v -> Math.Round(v, 12)),
        values "k=2:3:0.4" |> List.map (fun v -> Math.Round(v, 12))
    )

    Assert.Equal("k", fst (ParameterPath.parse " k =2:3:1"))
    Assert.True(ParameterPath.isRange "k=2:3:1")
    Assert.False(ParameterPath.isRange "k=2")

let ``bad ranges are refused with a message naming them`` () =
    let refused (text: string) (words: string list) =
        let e =
            Assert.Throws<ArgumentException>(fun () -> ParameterPath.parse text |> ignore)

        for w in words do
            Assert.Contains(w, e.Message)

    refused "k=2:20:-1" [ "wrong sign"; "positive"; "'k'" ]
    refused "lambda=3:1:0.5" [ "wrong sign"; "negative" ]
    refused "k=2:2:1" [ "empty" ]
    refused "k=2:20:0" [ "step of 0" ]
    refused "k=2:20" [ "NAME=START:STOP:STEP" ]
    refused "k2:20:1" [ "NAME=START:STOP:STEP" ]
    refused "=2:20:1" [ "NAME=START:STOP:STEP" ]
    refused "k=a:20:1" [ "'a' is not a number" ]
    refused "k=2,5:20:1" [ "not a number" ]
    refused "k=0:1:1e-9" [ "more than" ]
    refused "k=0:NaN:1" [ "not finite" ]

let ``the family of a constant substitutes it; an unknown one lists the constants`` () =
    let u = field "u"

    let problem =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.constant "mu" 2.0
        |> Problem.equation (laplacian u + constant "mu" * u)
        |> Problem.dirichlet Boundary.all u (num 0.0)

    let family = Continuation.ofConstant "mu" problem Discovery.defaults
    let p, s = family.At 3.5
    Assert.Equal(3.5, p.Constants["mu"])
    Assert.Equal<(string * float) list>([ "mu", 3.5 ], s.Parameters)

    let e =
        Assert.Throws<ArgumentException>(fun () ->
            Continuation.ofConstant "nu" problem Discovery.defaults |> ignore)

    Assert.Contains("no constant 'nu'", e.Message)
    Assert.Contains("its constants: mu", e.Message)

    let e =
        Assert.Throws<ArgumentException>(fun () ->
            BuiltInExamples.family "bratu" BuiltInExamples.Default Map.empty "k" |> ignore)

    Assert.Contains("its parameters: lambda", e.Message)

/// Small settings for Bratu: AnyProblemTests' (a tanh 16-16 network, one L-BFGS run, one deflation round), with two
/// deflated Adam runs of 1500 steps and 300 polish steps.
let private small (dir: string) =
    { AnyProblemTests.small "bratu" with
        DeflationRuns = 2
        DeflationSteps = 1500L
        PolishSteps = 300L
        OutDir = Some dir
    }

let private bratuFamily: Continuation.Family =
    {
        Parameter = "lambda"
        At = BuiltInExamples.family "bratu" BuiltInExamples.Default Map.empty "lambda"
    }

/// u(½, ½) of every Bratu solution at λ by finite differences on 63 × 63 interior nodes: deflated Newton
/// (Bratu.system2D, independent of the certification's compiled system) from 0 and from the first sine mode at
/// amplitudes 2, 4 and 8 (deflated Newton from 0 alone misses the upper solution near the fold).
let private bratuCentres (lambda: float) =
    let n = 63

    let found, _ =
        Newton.deflate
            Newton.NewtonOptions.Default
            4
            (Bratu.system2D lambda n)
            (Array.zeroCreate (n * n)
             :: [ for a in [ 2.0; 4.0; 8.0 ] -> Semilinear.sineMode n 1.0 1.0 a ])

    found |> List.map (fun u -> Semilinear.interpolate n u 0.5 0.5)

let private tempDir () = TempFolders.path "ecdpde-continuation-"

let ``Bratu along lambda: both branches at every value, certified, equal to the classical solutions`` () =
    let dir = tempDir ()
    // down from λ = 6.5 (near the fold at 6.808, where the two solutions are near each other and the small discovery
    // finds both) to λ = 4.5, where the upper branch is twice as large (max u ≈ 3.3 against 1.5)
    let path = ParameterPath.create "lambda" 6.5 4.5 -1.0
    let file, _ = Continuation.run bratuFamily path (small dir) ignore ignore
    Assert.True(file.Complete)
    Assert.Equal(3, file.Values.Length)

    for v in file.Values do
        let centres = bratuCentres v.Value
        Assert.Equal(2, centres.Length)
        let living = v.Branches |> List.filter (fun b -> b.Status <> "ended")
        Assert.True(living.Length = 2, sprintf "λ = %g: %A" v.Value v.Branches)

        // every certified point: its classical solution equal to one of the FD solutions, its network near it
        for b in living do
            Assert.Equal("certified", b.Certification.Status)

            let nearest =
                centres |> List.minBy (fun c -> abs (c - b.Certification.ClassicalProbe))

            let classicalError = abs (nearest - b.Certification.ClassicalProbe) / abs nearest

            Assert.True(
                classicalError < 0.01,
                sprintf
                    "λ = %g, branch %d: classical %g vs FD %g"
                    v.Value
                    b.Branch
                    b.Certification.ClassicalProbe
                    nearest
            )

            let networkError = abs (nearest - b.Probe) / abs nearest

            Assert.True(
                networkError < 0.1,
                sprintf "λ = %g, branch %d: network %g vs FD %g" v.Value b.Branch b.Probe nearest
            )

        // the two branches are the two solutions
        let reached =
            living
            |> List.map (fun b ->
                centres
                |> List.findIndex (fun c -> abs (c - b.Certification.ClassicalProbe) < 0.01 * abs c))
            |> List.distinct

        Assert.Equal(2, reached.Length)

    // the branches keep their numbers along the path (1 and 2 found at the start, continued after)
    for v in file.Values.Tail do
        Assert.Equal<int list>([ 1; 2 ], v.Branches |> List.map _.Branch)
        Assert.All(v.Branches, fun b -> Assert.Equal("continued", b.Status))

let ``a grown network's layers are recorded and read back`` () =
    let grown =
        NetworkGrowth.grow 30.0 2.0 2 (Architecture.mlp [ 16; 16 ] Ecd.Core.Engine.Activation.Tanh)

    let residual = Architecture.residual 8 2 Ecd.Core.Engine.Activation.Sigmoid

    for a in [ grown; residual ] do
        let value: ContinuationFile.ParameterValue =
            {
                Index = 0
                Value = 1.0
                Folder = "value-000"
                Branches = []
                Network = ContinuationFile.layerRecords a.Layers
                InteriorPoints = 1234
            }

        Assert.Equal<Ecd.Core.Engine.LayerSpec list>(a.Layers, ContinuationFile.layersOf value)

    Assert.Equal(3, grown.Layers.Length)

let ``an interrupted continuation resumes from the finished values and gives the same file`` () =
    let dir = tempDir ()
    let s = { small dir with DeflationRounds = 0 }
    let path = ParameterPath.create "lambda" 2.0 3.0 1.0
    let file, filePath = Continuation.run bratuFamily path s ignore ignore
    let whole = File.ReadAllText filePath

    // interrupted after the first value: continuation.json holds it alone, the second value's folder is gone
    ContinuationFile.write
        dir
        { file with
            Values = [ file.Values.Head ]
            Complete = false
        }
    |> ignore

    Directory.Delete(Path.Combine(dir, Continuation.valueFolder 1), true)
    let seen = Collections.Generic.List<float>()

    let again, _ =
        Continuation.run bratuFamily path s ignore (fun v -> seen.Add v.Value)

    Assert.Equal<float list>([ 3.0 ], List.ofSeq seen)
    Assert.Equal(whole, File.ReadAllText filePath)
    Assert.True(again.Complete)

    // every value records the network its points are (the settings' here: nothing grew) and its points
    for v in (ContinuationFile.read filePath).Values do
        Assert.Equal<Ecd.Core.Engine.LayerSpec list>(s.Network.Layers, ContinuationFile.layersOf v)
        Assert.Equal(s.InteriorPoints, v.InteriorPoints)

    // a finished continuation computes nothing; other settings in the same folder are refused
    let stamp = File.GetLastWriteTimeUtc filePath

    Continuation.run bratuFamily path s ignore (fun _ -> failwith "a finished value was redone")
    |> ignore

    Assert.Equal(stamp, File.GetLastWriteTimeUtc filePath)

    Assert.ThrowsAny<exn>(fun () ->
        Continuation.run bratuFamily (ParameterPath.create "lambda" 2.0 4.0 1.0) s ignore ignore
        |> ignore)
    |> ignore

[<Tests>]
let tests =
    testList
        "Pde.Discovery.Tests.ContinuationTests"
        [
            testCase
                "values of a path: increasing, decreasing, exact stops"
                ``values of a path: increasing, decreasing, exact stops``
            testCase
                "bad ranges are refused with a message naming them"
                ``bad ranges are refused with a message naming them``
            testCase
                "the family of a constant substitutes it; an unknown one lists the constants"
                ``the family of a constant substitutes it; an unknown one lists the constants``
            testCase
                "Bratu along lambda: both branches at every value, certified, equal to the classical solutions"
                ``Bratu along lambda: both branches at every value, certified, equal to the classical solutions``
            testCase
                "a grown network's layers are recorded and read back"
                ``a grown network's layers are recorded and read back``
            testCase
                "an interrupted continuation resumes from the finished values and gives the same file"
                ``an interrupted continuation resumes from the finished values and gives the same file``
        ]
    |> testSequencedGroup "Pde.Discovery.Tests.ContinuationTests"
