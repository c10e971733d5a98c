using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// Dice activation (Zhou et al., "Deep Interest Network for Click-Through Rate Prediction", KDD 2018):
/// p = sigmoid((x − E[x]) / √(Var[x] + ε)), output p·x + (1 − p)·α·x with α learned per channel. A PReLU whose
/// rectification point follows the data distribution instead of sitting at 0.
/// <para>
/// E[x] and Var[x] are batch statistics in training and running statistics in evaluation, kept by a
/// <see cref="BatchNorm1d"/> without affine parameters, so the sigmoid sees exactly the normalised input the paper
/// writes (DeepCTR-Torch's Dice uses an affine batch norm, i.e. a learned scale and shift inside the sigmoid).
/// Input [B, H] or [B, L, H]; channels are the last dimension; output has the input's shape. Like any batch norm
/// in training, a batch needs more than one value per channel (B·L ≥ 2).
/// </para>
/// <para>
/// α starts at 0 (as DeepCTR-Torch), which <see cref="RecSys.Models.Torch.TorchInit"/> also gives a 1-D parameter.
/// </para>
/// </summary>
public sealed class Dice : nn.Module<Tensor, Tensor>
{
    private readonly BatchNorm1d norm;
    private readonly Parameter alpha;

    /// <param name="channels">(int) size H of the last dimension.</param>
    /// <param name="epsilon">(double) ε added to the variance (DeepCTR-Torch's 1e-8 by default).</param>
    /// <param name="momentum">(double) running-statistics update rate, as <c>nn.BatchNorm1d</c>.</param>
    public Dice(int channels, double epsilon = 1e-8, double momentum = 0.1)
        : base("dice")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        norm = nn.BatchNorm1d(channels, eps: epsilon, momentum: momentum, affine: false);
        alpha = nn.Parameter(zeros(channels));
        Channels = channels;
        RegisterComponents();
    }

    /// <summary>Size H of the last dimension.</summary>
    public int Channels { get; }

    /// <param name="x">[B, H] or [B, L, H]</param>
    /// <returns>the shape of <paramref name="x"/></returns>
    public override Tensor forward(Tensor x)
    {
        if (!training && !is_grad_enabled())
        {
            return Serving(x);
        }
        Tensor normalised = x.dim() switch
        {
            2 => norm.HeldForward(x),                                               // [B, H]
            3 => norm.HeldForward(x.transpose(1, 2)).transpose(1, 2),               // BatchNorm1d wants [B, H, L]
            _ => throw new ArgumentException($"Dice expects [B, H] or [B, L, H], got {x.dim()} dimensions", nameof(x)),
        };
        var p = normalised.sigmoid();
        var scaled = x * alpha;                                                     // α·x, α broadcast over H
        // p·x + (1 − p)·α·x written as α·x + p·(x − α·x): the same value without a scalar operand.
        return scaled.Plus(p * (x - scaled));
    }

    /// <summary>
    /// The evaluation value without autograd, in four passes over x instead of about eight: the running statistics
    /// fold into one scale and shift, p = sigmoid(x·s + t), and the output is x·(α + (1 − α)·p) computed in place on p.
    /// Serving spends most of DIN's time in this activation (its attention unit runs on every history position of
    /// every candidate), so the passes matter. Same value as the training formula up to rounding.
    /// </summary>
    private Tensor Serving(Tensor x)
    {
        var scale = norm.running_var!.Plus(norm.eps.Held()).rsqrt_();                  // [H]
        var shift = norm.running_mean!.mul(scale).neg_();                           // [H]
        var p = addcmul(shift, x, scale, 1.0.Held()).sigmoid_();                                // σ((x − E[x]) / √(Var[x] + ε))
        var gate = addcmul(alpha, p, alpha.neg().add_(1.0.Held(), 1L.Held()), 1.0.Held());   // α + (1 − α)·p
        return gate.mul_(x);
    }
}
