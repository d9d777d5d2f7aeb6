/// `compare --backend torch`: a PDE study's cells train on the TorchSharp backend, the folder records it
/// (study.json), and the same study on the native engine is refused in that folder, naming the backend.
module EcdPde.Cli.Tests.CompareBackendTests

open System.IO
open Expecto

/// The paper's PDE (k = 2) from one initialization, Adam, 20 steps: one cell.
let private studyFile () =
    let path = Path.Combine(CliTests.tempDir (), "tiny-pde.json")

    File.WriteAllText(
        path,
        """{ "format": "ecdpde-study/1", "name": "tiny-pde", "seeds": 1, "steps": 20, "precision": "float64", "seed": 3,
  "problems": [ { "name": "paper", "function": "pde:paper-pde:k=2", "starts": { "initializations": 1 }, "target": 0.1 } ],
  "solvers": [ { "label": "adam", "stages": [ { "optimizer": "adam", "settings": { "lr": "0.003" } } ] } ] }"""
    )

    path

let ``compare --backend torch trains the cells on TorchSharp, and the folder refuses the native engine's``
    ()
    =
    let study = studyFile ()
    let dir = CliTests.tempDir ()

    let code, out, err =
        CliTests.ecdpde [ "compare"; study; "--backend"; "torch"; "--out"; dir; "--quiet" ]

    Expect.equal code 0 (sprintf "the torch study: %s %s" out err)

    Expect.stringContains
        (File.ReadAllText(Path.Combine(dir, "study.json")))
        "\"backend\": \"torch\""
        "recorded"

    Expect.stringContains out "1 cells (1 run now)" "the cell ran"
    let code, _, err = CliTests.ecdpde [ "compare"; study; "--out"; dir; "--quiet" ]
    Expect.equal code 2 "the native study is refused in the torch folder"
    Expect.stringContains err "backend" (sprintf "the refusal names the backend: %s" err)

    let code, _, err =
        CliTests.ecdpde
            [
                "compare"
                "ackley"
                "--backend"
                "torch"
                "--out"
                CliTests.tempDir ()
                "--quiet"
            ]

    Expect.equal code 2 "a study without PDE problems refuses a backend"
    Expect.stringContains err "no PDE problem" err

[<Tests>]
let tests =
    testList
        "compare --backend"
        [
            testCase
                "compare --backend torch trains the cells on TorchSharp, and the folder refuses the native engine's"
                ``compare --backend torch trains the cells on TorchSharp, and the folder refuses the native engine's``
        ]
