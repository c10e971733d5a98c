using System.Reflection;
using System.Reflection.Emit;
using RecSys.Models.Torch;
using TorchSharp;

namespace RecSys.Models.Tests.Torch;

/// <summary>
/// TorchSharp 0.107 turns C# numbers into <see cref="Scalar"/>s that nothing holds during the native call, and a
/// collection on another thread can free them mid-call (see <see cref="HeldScalar"/>). Many such conversions are not
/// visible in our code: <c>a + b</c> is <c>add(b, 1)</c>, <c>square()</c> is <c>pow(2)</c>. This test reads the IL of
/// every method of RecSys.Models and fails on a call into TorchSharp that makes such a scalar, directly or through
/// TorchSharp's own methods. (Virtual calls are not followed: <c>BatchNorm1d.forward</c> is one, use
/// <see cref="HeldScalar.HeldForward"/>.)
/// </summary>
public sealed class NoImplicitScalarTests
{
    /// <summary>Ours that convert numbers on purpose and hold the scalars (process-wide) or dispose them after use.</summary>
    private static readonly Type[] Holders = [typeof(HeldScalar), typeof(AdamOptimizer), typeof(SgdOptimizer)];

    /// <summary>
    /// nn.PReLU fills its weight from a temporary scalar once, in its constructor. TorchInit overwrites that slope, so
    /// a collection there could only make the construction fail loudly, never change a number.
    /// </summary>
    private static readonly string[] AllowedCallees = ["PReLU"];

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private readonly Dictionary<(Module, int), bool> _makesScalar = [];

    [Fact]
    public void Models_pass_no_temporary_scalar_to_libtorch()
    {
        var torchSharp = typeof(torch).Assembly;
        var offences = new List<string>();
        foreach (var type in typeof(HeldScalar).Assembly.GetTypes())
        {
            var holder = Holders.Any(h => type == h || type.FullName!.StartsWith(h.FullName + "+", StringComparison.Ordinal));
            foreach (var method in MethodsOf(type))
            {
                foreach (var callee in Callees(method))
                {
                    if (callee.DeclaringType?.Assembly != torchSharp || AllowedCallees.Contains(callee.Name))
                    {
                        continue;
                    }
                    var offends = IsConversion(callee) ? !holder : MakesScalar(callee);
                    if (offends)
                    {
                        offences.Add($"{type.FullName}.{method.Name} calls {callee.DeclaringType.Name}.{callee.Name}({string.Join(", ", callee.GetParameters().Select(p => p.ParameterType.Name))})");
                    }
                }
            }
        }

        Assert.True(offences.Count == 0,
            "temporary scalars reach libtorch (use HeldScalar: .Plus, .Squared, a held alpha, .HeldForward):\n" + string.Join("\n", offences.Distinct()));
    }

    [Fact]
    public void The_scan_sees_the_hidden_scalars()
    {
        Assert.True(MakesScalar(typeof(torch.Tensor).GetMethod(nameof(torch.Tensor.add), [typeof(torch.Tensor)])!));
        Assert.True(MakesScalar(typeof(torch.Tensor).GetMethod(nameof(torch.Tensor.square), Type.EmptyTypes)!));
        Assert.False(MakesScalar(typeof(torch.Tensor).GetMethod(nameof(torch.Tensor.add), [typeof(torch.Tensor), typeof(Scalar)])!));
        Assert.False(MakesScalar(typeof(torch.Tensor).GetMethod(nameof(torch.Tensor.sub), [typeof(torch.Tensor)])!));
    }

    private static bool IsConversion(MethodBase method) =>
        (method.DeclaringType == typeof(Scalar) && method.Name == "op_Implicit") ||
        (method.DeclaringType == typeof(ScalarExtensionMethods) && method.Name == nameof(ScalarExtensionMethods.ToScalar));

    /// <summary>Whether a TorchSharp method converts a number to a scalar itself or through the TorchSharp methods it calls.</summary>
    private bool MakesScalar(MethodBase method)
    {
        if (IsConversion(method))
        {
            return true;
        }
        if (method.DeclaringType?.Assembly != typeof(torch).Assembly)
        {
            return false;
        }
        var key = (method.Module, method.MetadataToken);
        if (_makesScalar.TryGetValue(key, out var known))
        {
            return known;
        }
        _makesScalar[key] = false; // recursion ends here
        var makes = Callees(method).Any(MakesScalar);
        _makesScalar[key] = makes;
        return makes;
    }

    private static IEnumerable<MethodBase> MethodsOf(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Cast<MethodBase>()
            .Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly));

    /// <summary>The methods <paramref name="method"/>'s IL calls, creates objects with or takes as delegates.</summary>
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or BadImageFormatException)
        {
            yield break;
        }
        if (il is null)
        {
            yield break;
        }
        var typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var at = 0; at < il.Length;)
        {
            short value = il[at++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[at++]);
            }
            var op = OpCodesByValue[value];
            if (op.OperandType == OperandType.InlineMethod)
            {
                var token = BitConverter.ToInt32(il, at);
                MethodBase? callee = null;
                try
                {
                    callee = method.Module.ResolveMethod(token, typeArguments, methodArguments);
                }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException)
                {
                    // an unresolvable generic instantiation: nothing of ours to find there
                }
                if (callee is not null)
                {
                    yield return callee;
                }
            }
            at += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
                _ => 4,
            };
        }
    }
}
