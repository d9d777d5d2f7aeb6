using TorchSharp.Modules;

namespace Ecd.Core.TorchSharp;

/// <summary>
/// Per-group hyperparameters of the ECD optimizers: the step size and the L2 weight decay. Every other
/// hyperparameter (energy, bounces, η, ν, …) belongs to the one Hamiltonian over all parameters and comes from the
/// optimizer's options record. A value left null takes the options record's value.
/// </summary>
public sealed class EcdGroupOptions : OptimizerOptions
{
    /// <summary>L2 weight decay of this group (null: the options record's <c>WeightDecay</c>).</summary>
    public double? WeightDecay { get; set; }
}

/// <summary>
/// A parameter group, as in torch.optim: its own step size (which learning-rate schedulers change through
/// <see cref="ParamGroup.LearningRate"/>) and weight decay (e.g. none for biases).
/// </summary>
public sealed class EcdParamGroup : ParamGroup<EcdGroupOptions>
{
    /// <summary>A group of <paramref name="parameters"/> with the options record's step size and weight decay.</summary>
    public EcdParamGroup(IEnumerable<Parameter> parameters)
        : base(parameters, new EcdGroupOptions())
    {
    }

    /// <summary>A group with its own step size and/or weight decay (null: the options record's value).</summary>
    public EcdParamGroup(IEnumerable<Parameter> parameters, double? lr = null, double? weightDecay = null)
        : base(parameters, new EcdGroupOptions { LearningRate = lr, WeightDecay = weightDecay })
    {
    }
}
