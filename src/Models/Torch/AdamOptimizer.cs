using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Torch;

/// <summary>
/// Adam (Kingma and Ba, ICLR 2015) with L2 weight decay added to the gradient, as <c>torch.optim.Adam</c>. Ours
/// because TorchSharp's passes its coefficients as implicit <see cref="Scalar"/>s, which a concurrent garbage
/// collection can free mid-call (see <see cref="HeldScalar"/>); here every coefficient is a scalar we hold until the
/// step ends. Call <see cref="Step"/> inside a dispose scope: the gradients and temporaries it reads are freed with it.
/// </summary>
public sealed class AdamOptimizer : IStepOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _mean;
    private readonly Tensor[] _variance;
    private readonly double _learningRate;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly Scalar _beta1Scalar;
    private readonly Scalar _oneMinusBeta1;
    private readonly Scalar _beta2Scalar;
    private readonly Scalar _oneMinusBeta2;
    private readonly Scalar _epsilon;
    private readonly Scalar _weightDecay;
    private readonly bool _decay;
    private long _steps;

    public AdamOptimizer(IEnumerable<Parameter> parameters, double learningRate, double weightDecay = 0, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(learningRate);
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        _parameters = [.. parameters];
        using (no_grad())
        {
            _mean = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
            _variance = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        }
        (_learningRate, _beta1, _beta2, _decay) = (learningRate, beta1, beta2, weightDecay > 0);
        _beta1Scalar = beta1.ToScalar();
        _oneMinusBeta1 = (1 - beta1).ToScalar();
        _beta2Scalar = beta2.ToScalar();
        _oneMinusBeta2 = (1 - beta2).ToScalar();
        _epsilon = epsilon.ToScalar();
        _weightDecay = weightDecay.ToScalar();
    }

    public void ZeroGrad()
    {
        foreach (var parameter in _parameters)
        {
            parameter.grad?.zero_();
        }
    }

    public void Step()
    {
        _steps++;
        using var noGrad = no_grad();
        var correction1 = 1 - Math.Pow(_beta1, _steps);
        var correction2 = 1 - Math.Pow(_beta2, _steps);
        using var stepSize = (-_learningRate / correction1).ToScalar();
        using var rootCorrection2 = Math.Sqrt(correction2).ToScalar();
        for (var p = 0; p < _parameters.Length; p++)
        {
            var parameter = _parameters[p];
            var gradient = parameter.grad;
            if (gradient is null)
            {
                continue;
            }
            if (_decay)
            {
                gradient = gradient.add(parameter, _weightDecay);
            }
            _mean[p].mul_(_beta1Scalar).add_(gradient, _oneMinusBeta1);
            _variance[p].mul_(_beta2Scalar).addcmul_(gradient, gradient, _oneMinusBeta2);
            // add_(ε) alone is add_(ε, 1) with a temporary alpha (the "Expected false to be true" failures): hold it.
            var denominator = _variance[p].sqrt().div_(rootCorrection2).add_(_epsilon, 1L.Held());
            parameter.addcdiv_(_mean[p], denominator, stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var tensor in _mean.Concat(_variance))
        {
            tensor.Dispose();
        }
        foreach (var scalar in new[] { _beta1Scalar, _oneMinusBeta1, _beta2Scalar, _oneMinusBeta2, _epsilon, _weightDecay })
        {
            scalar.Dispose();
        }
    }
}

/// <summary>An optimiser whose coefficients stay alive through the native calls (see <see cref="HeldScalar"/>).</summary>
public interface IStepOptimizer : IDisposable
{
    void ZeroGrad();

    /// <summary>Updates the parameters from their gradients; call inside the batch's dispose scope.</summary>
    void Step();
}

/// <summary>Plain stochastic gradient descent: θ ← θ − lr · ∇θ.</summary>
public sealed class SgdOptimizer(IEnumerable<Parameter> parameters, double learningRate) : IStepOptimizer
{
    private readonly Parameter[] _parameters = [.. parameters];
    private readonly Scalar _step = (-learningRate).ToScalar();

    public void ZeroGrad()
    {
        foreach (var parameter in _parameters)
        {
            parameter.grad?.zero_();
        }
    }

    public void Step()
    {
        using var noGrad = no_grad();
        foreach (var parameter in _parameters)
        {
            if (parameter.grad is { } gradient)
            {
                parameter.add_(gradient, _step);
            }
        }
    }

    public void Dispose() => _step.Dispose();
}
