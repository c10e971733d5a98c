using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// The interacting layer of AutoInt (Song et al., "AutoInt: Automatic Feature Interaction Learning via
/// Self-Attentive Neural Networks", CIKM 2019): multi-head self-attention over the field embeddings, each head
/// of size d′ with softmax(⟨W_Q e_m, W_K e_k⟩) weights over fields, heads concatenated, plus a residual projection
/// W_Res e_m, then ReLU. Input [B, F, D], output [B, F, <see cref="OutputSize"/>] with OutputSize = heads · d′, so
/// layers stack when the next one's embedding size is this OutputSize.
/// </summary>
public sealed class InteractingLayer : nn.Module<Tensor, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly Linear? residual;
    private readonly int _heads;
    private readonly int _attentionSize;
    private readonly bool _scaling;

    /// <param name="embeddingSize">(int) D of the input.</param>
    /// <param name="heads">(int) attention heads.</param>
    /// <param name="attentionSize">(int) d′, the size of each head.</param>
    /// <param name="useResidual">(bool) add W_Res e_m before the ReLU, as the paper.</param>
    /// <param name="scaling">(bool) divide scores by √d′ (not in the paper; DeepCTR-Torch's option).</param>
    public InteractingLayer(int embeddingSize, int heads = 2, int attentionSize = 8, bool useResidual = true, bool scaling = false)
        : base("interacting")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(heads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(attentionSize);
        OutputSize = heads * attentionSize;
        query = nn.Linear(embeddingSize, OutputSize, hasBias: false);
        key = nn.Linear(embeddingSize, OutputSize, hasBias: false);
        value = nn.Linear(embeddingSize, OutputSize, hasBias: false);
        residual = useResidual ? nn.Linear(embeddingSize, OutputSize, hasBias: false) : null;
        (_heads, _attentionSize, _scaling) = (heads, attentionSize, scaling);
        RegisterComponents();
    }

    /// <summary>heads · d′, the last output dimension.</summary>
    public int OutputSize { get; }

    /// <param name="fields">[B, F, D]</param>
    /// <returns>[B, F, OutputSize]</returns>
    public override Tensor forward(Tensor fields)
    {
        var (b, f) = (fields.shape[0], fields.shape[1]);
        Tensor Split(Tensor t) => t.view(b, f, _heads, _attentionSize).transpose(1, 2);         // [B, H, F, d′]
        var q = Split(query.forward(fields));
        var k = Split(key.forward(fields));
        var v = Split(value.forward(fields));
        var scores = q.matmul(k.transpose(-2, -1));                                             // [B, H, F, F]
        if (_scaling)
        {
            scores = scores.div(Math.Sqrt(_attentionSize).Held());
        }
        var mixed = nn.functional.softmax(scores, -1).matmul(v);                                // [B, H, F, d′]
        var output = mixed.transpose(1, 2).reshape(b, f, OutputSize);                           // [B, F, H·d′]
        if (residual is not null)
        {
            output = output.Plus(residual.forward(fields));
        }
        return nn.functional.relu(output);
    }
}
