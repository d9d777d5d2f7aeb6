namespace Pde.FSharp.Loss

/// One entry of the loss breakdown.
type TermLoss =
    {
        /// The term's name ("L2(weights)" for the weight penalty).
        Name: string
        /// Its weight (λ for the penalty).
        Weight: float
        /// mean(r²) over its points (Σθ² for the penalty).
        MeanSquare: float
        /// Weight · MeanSquare: its share of the loss.
        Weighted: float
    }

/// Statistics of a residual over a point set.
type ResidualStatistics =
    {
        /// The term's name.
        Name: string
        /// Number of points.
        Points: int
        /// mean |r|.
        MeanAbs: float
        /// max |r|.
        MaxAbs: float
        /// √(mean r²), the discrete L2 norm normalised by the number of points.
        L2: float
    }

/// Building residual statistics.
module ResidualStatistics =
    /// The statistics of residual values r.
    let ofValues (name: string) (r: float[]) =
        let n = r.Length

        {
            Name = name
            Points = n
            MeanAbs = (r |> Array.sumBy abs) / float n
            MaxAbs = r |> Array.map abs |> Array.max
            L2 = sqrt ((r |> Array.sumBy (fun v -> v * v)) / float n)
        }
