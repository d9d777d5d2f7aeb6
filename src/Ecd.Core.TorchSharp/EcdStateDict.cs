using TorchSharp;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp;

/// <summary>The hyperparameters of one parameter group at the time of <c>state_dict()</c>.</summary>
/// <param name="LearningRate">The group's step size (schedulers change it).</param>
/// <param name="InitialLearningRate">The step size the group started with.</param>
/// <param name="WeightDecay">The group's L2 weight decay.</param>
public readonly record struct EcdGroupState(double LearningRate, double InitialLearningRate, double WeightDecay);

/// <summary>
/// Everything that determines the optimizer's future trajectory besides the parameters themselves (which the module
/// owns, as in torch.optim): counters, energies, the bounce generator, one state tensor per parameter (momenta or
/// momentum buffers, null before the first step) and the groups' hyperparameters. <c>state_dict()</c> returns a deep
/// copy; <see cref="Save"/> and <see cref="Load"/> write and read it bit-exactly (doubles as IEEE bits, tensors as
/// raw bytes). Dispose it to free its tensors.
/// </summary>
public sealed class EcdStateDict : IDisposable
{
    private const string Format = "ecdpde-torch-optimizer-state/1";

    internal EcdStateDict(string optimizer) => Optimizer = optimizer;

    /// <summary>The optimizer's short name (bbi, ecdsep, gdm).</summary>
    public string Optimizer { get; }

    /// <summary>Real-valued state (energies, shifts, the cached normal deviate, the first loss).</summary>
    public SortedDictionary<string, double> Scalars { get; } = new(StringComparer.Ordinal);

    /// <summary>Integer state (step counts, bounce counters, the generator's words as two's-complement longs).</summary>
    public SortedDictionary<string, long> Integers { get; } = new(StringComparer.Ordinal);

    /// <summary>One state tensor per parameter in the optimizer's order (null where there is none yet).</summary>
    public List<Tensor?> Tensors { get; } = [];

    /// <summary>The parameter groups' hyperparameters.</summary>
    public List<EcdGroupState> Groups { get; } = [];

    /// <summary>The options record as JSON (for the record; not applied on load).</summary>
    public string Options { get; set; } = "";

    /// <summary>Writes the state dict to <paramref name="stream"/>.</summary>
    public void Save(Stream stream)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(Format);
        w.Write(Optimizer);
        w.Write(Options);
        w.Write(Scalars.Count);
        foreach (var (k, v) in Scalars)
        {
            w.Write(k);
            w.Write(v);
        }
        w.Write(Integers.Count);
        foreach (var (k, v) in Integers)
        {
            w.Write(k);
            w.Write(v);
        }
        w.Write(Groups.Count);
        foreach (var g in Groups)
        {
            w.Write(g.LearningRate);
            w.Write(g.InitialLearningRate);
            w.Write(g.WeightDecay);
        }
        w.Write(Tensors.Count);
        foreach (var t in Tensors)
        {
            w.Write(t is not null);
            if (t is null)
                continue;
            using var scope = NewDisposeScope();
            var host = t.detach().cpu().contiguous();
            w.Write((int)host.dtype);
            w.Write(host.shape.Length);
            foreach (long d in host.shape)
                w.Write(d);
            var bytes = host.bytes;
            w.Write(bytes.Length);
            w.Write(bytes);
        }
    }

    /// <summary>Reads a state dict written by <see cref="Save"/> (its tensors on the CPU until loaded into an optimizer).</summary>
    public static EcdStateDict Load(Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        string format;
        try
        {
            format = r.ReadString();
        }
        catch (EndOfStreamException)
        {
            format = "";
        }
        if (format != Format)
            throw new InvalidDataException($"not an EcdPde TorchSharp optimizer state (format '{format}', expected '{Format}')");
        var sd = new EcdStateDict(r.ReadString()) { Options = r.ReadString() };
        try
        {
            int n = r.ReadInt32();
            for (int i = 0; i < n; i++)
                sd.Scalars[r.ReadString()] = r.ReadDouble();
            n = r.ReadInt32();
            for (int i = 0; i < n; i++)
                sd.Integers[r.ReadString()] = r.ReadInt64();
            n = r.ReadInt32();
            for (int i = 0; i < n; i++)
                sd.Groups.Add(new EcdGroupState(r.ReadDouble(), r.ReadDouble(), r.ReadDouble()));
            n = r.ReadInt32();
            for (int i = 0; i < n; i++)
            {
                if (!r.ReadBoolean())
                {
                    sd.Tensors.Add(null);
                    continue;
                }
                var dtype = (ScalarType)r.ReadInt32();
                var shape = new long[r.ReadInt32()];
                for (int d = 0; d < shape.Length; d++)
                    shape[d] = r.ReadInt64();
                byte[] bytes = r.ReadBytes(r.ReadInt32());
                var t = empty(shape, dtype);
                if (t.bytes.Length != bytes.Length)
                    throw new InvalidDataException($"tensor {i}: {bytes.Length} bytes for shape [{string.Join(", ", shape)}] of {dtype}");
                t.bytes = bytes;
                sd.Tensors.Add(t.DetachFromDisposeScope());
            }
        }
        catch (EndOfStreamException)
        {
            sd.Dispose();
            throw new InvalidDataException("the optimizer state is truncated");
        }
        return sd;
    }

    /// <summary>Frees the state tensors.</summary>
    public void Dispose()
    {
        foreach (var t in Tensors)
            t?.Dispose();
        Tensors.Clear();
    }
}
