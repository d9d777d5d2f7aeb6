/// `solutions.json`: the problem, its distinct solutions (runs, residual and boundary statistics, norms, probes) and
/// the runs that did not converge; the collocation points (`collocation`).
module Pde.Discovery.SolutionsJson

open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open Pde.Discovery.Solutions

let private num (x: float) : JsonNode | null =
    if System.Double.IsFinite x then
        JsonValue.Create x
    else
        JsonValue.Create(string x)

/// The JSON document.
let document
    (problem: string)
    (parameters: (string * float) list)
    (solutions: DistinctSolution list)
    (rejected: (Candidate * string) list)
    =
    let p = JsonObject()
    p["name"] <- JsonValue.Create problem

    for k, v in parameters do
        p[k] <- num v

    let sols = JsonArray()

    for s in solutions do
        let o = JsonObject()
        o["runs"] <- JsonValue.Create s.Members.Length

        o["run_ids"] <-
            JsonArray(
                s.Members
                |> List.map (fun c -> JsonValue.Create c.Run :> JsonNode)
                |> Array.ofList
            )

        o["representative_run"] <- JsonValue.Create s.Representative.Run
        o["residual_l2"] <- num s.Representative.ResidualL2
        o["residual_max"] <- num s.Representative.ResidualMax
        o["boundary_max"] <- num s.Representative.BoundaryMax
        o["max_abs"] <- num s.MaxAbs
        o["l2_norm"] <- num s.L2Norm
        o["final_loss"] <- num s.Representative.FinalLoss

        o["probes"] <-
            JsonArray(
                s.Representative.Probes
                |> List.map (fun (x, y, u) ->
                    let q = JsonObject()
                    q["x"] <- num x
                    q["y"] <- num y
                    q["u"] <- num u
                    q :> JsonNode)
                |> Array.ofList
            )

        sols.Add(o)

    let un = JsonArray()

    for c, reason in rejected do
        let o = JsonObject()
        o["run"] <- JsonValue.Create c.Run
        o["reason"] <- JsonValue.Create reason
        o["residual_l2"] <- num c.ResidualL2
        o["boundary_max"] <- num c.BoundaryMax
        o["final_loss"] <- num c.FinalLoss
        un.Add(o)

    let root = JsonObject()
    root["problem"] <- p
    root["solutions"] <- sols
    root["unconverged"] <- un
    root

/// The collocation points of the loss: {"interior": [[x, y], …], "boundary": [[x, y], …]} (every coordinate of each
/// point), for the report's figure of them.
let collocation (interior: float[][]) (boundary: float[][]) =
    let points (ps: float[][]) =
        JsonArray(
            ps
            |> Array.map (fun p -> JsonArray(p |> Array.map (fun c -> num c)) :> JsonNode)
        )

    let o = JsonObject()
    o["interior"] <- points interior
    o["boundary"] <- points boundary
    o

/// Writes `solutions.json` into `dir` (atomically) and returns its path.
let write (dir: string) (doc: JsonObject) =
    Directory.CreateDirectory dir |> ignore
    let path = Path.Combine(dir, "solutions.json")
    let tmp = path + ".tmp"
    File.WriteAllText(tmp, doc.ToJsonString(JsonSerializerOptions(WriteIndented = true)))
    File.Move(tmp, path, true)
    path
