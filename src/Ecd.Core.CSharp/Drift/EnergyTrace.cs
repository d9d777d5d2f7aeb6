namespace Ecd.Core.Drift;

/// <summary>
/// The energy of one run, step by step: <see cref="Energy"/>[k] is H after k steps (index 0 = the start). A run
/// that could not continue (non-finite energy, an optimizer that froze) ends early and says why in <see cref="Stopped"/>.
/// </summary>
/// <param name="Energy">H(t_k), k = 0 … StepsCompleted.</param>
/// <param name="Stopped">Null when all requested steps were taken; otherwise the reason the run ended early.</param>
public sealed record EnergyTrace(double[] Energy, string? Stopped)
{
    /// <summary>Number of steps whose energy was recorded after the start (−1 when not even the start was).</summary>
    public long StepsCompleted => Energy.Length - 1;

    /// <summary>True when every requested step was taken.</summary>
    public bool Completed => Stopped is null;
}
