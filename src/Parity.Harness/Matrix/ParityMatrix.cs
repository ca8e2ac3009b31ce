using System.Globalization;
using System.Text.RegularExpressions;
using Parity.Harness.Cases;
using Parity.Native;

namespace Parity.Harness.Matrix;

/// <summary>
/// The built-in parity matrix: a deterministic catalogue of named cases spanning every op × reduction × dtype ×
/// weight / pos_weight × ignore_index × label_smoothing × target kind × shape, plus edge values, bad inputs (both sides
/// must raise the same error) and the seed document's examples.
/// </summary>
/// <remarks>
/// <para>Names use only <c>[A-Za-z0-9._=-]</c> so they are safe as snapshot file names, and read left to right:
/// <c>{op}.{dtype}.{reduction}.{w|wb|nw}[.pw].ii={def|1|-1}.ls={0|0.1|1}.{idx|prob}.{shape}</c>, e.g.
/// <c>cross_entropy.float32.mean.w.ii=1.ls=0.1.idx.N4C5</c>. Shape tags: <c>S</c> 0-D, <c>C5</c> unbatched, <c>N4C5</c>,
/// <c>N2C3d4</c> (3-D), <c>N2C3d2x1x2</c> (5-D), <c>N0C5</c> (empty batch), <c>N4C1</c> (one class).</para>
/// <para>Every case has a named seed (<see cref="Seeds"/>) except the seed document's later cells, which continue the
/// stream of the previous cell as the document does; runners replay the draws of the chain before such a case.</para>
/// <para>Bit-identity is expected (<see cref="CaseSpec.ExpectBitIdentical"/>) where libtorch runs scalar code that the
/// native port mirrors: binary_cross_entropy (forward and backward) and nll_loss, including their float32
/// cascade sums. Elsewhere libtorch's vectorised exp/log (Sleef) leaves ulp-level differences inside the tolerance.</para>
/// </remarks>
public static partial class ParityMatrix
{
    private static readonly Lazy<IReadOnlyList<CaseSpec>> LazyAll = new(Build);

    /// <summary>All built-in cases, in catalogue order.</summary>
    public static IReadOnlyList<CaseSpec> All => LazyAll.Value;

    /// <summary>The characters allowed in a case name.</summary>
    [GeneratedRegex("^[A-Za-z0-9._=-]+$")]
    public static partial Regex SafeName();

    /// <summary>A case by name, or null.</summary>
    public static CaseSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    private sealed record Shape(string Tag, int[] Input, int[] Target)
    {
        public int C => Input.Length == 0 ? 1 : Input.Length == 1 ? Input[0] : Input[1];

        public int Last => Input.Length == 0 ? 0 : Input[^1];
    }

    // Element-wise shapes (sigmoid, softmax, log_softmax, BCE, BCE with logits): target = input shape.
    private static readonly Shape[] ElementShapes =
    [
        new("S", [], []),
        new("C5", [5], [5]),
        new("N4C5", [4, 5], [4, 5]),
        new("N2C3d4", [2, 3, 4], [2, 3, 4]),
        new("N2C3d2x1x2", [2, 3, 2, 1, 2], [2, 3, 2, 1, 2]),
        new("N0C5", [0, 5], [0, 5]),
        new("N4C1", [4, 1], [4, 1]),
    ];

    // Class shapes (nll_loss, cross_entropy): index target = input shape without the class dim.
    private static readonly Shape[] ClassShapes =
    [
        new("C5", [5], []),
        new("N4C5", [4, 5], [4]),
        new("N2C3d4", [2, 3, 4], [2, 4]),
        new("N2C3d2x1x2", [2, 3, 2, 1, 2], [2, 2, 1, 2]),
        new("N0C5", [0, 5], [0]),
        new("N4C1", [4, 1], [4]),
    ];

    private static readonly DType[] FloatTypes = [DType.Float32, DType.Float64];
    private static readonly Reduction[] AllReductions = [Reduction.None, Reduction.Mean, Reduction.Sum];

    private static IReadOnlyList<CaseSpec> Build()
    {
        var list = new List<CaseSpec>();
        list.AddRange(SeedDocumentCases.Cases);
        Activations(list);
        BinaryCrossEntropy(list);
        BinaryCrossEntropyWithLogits(list);
        NllLoss(list);
        CrossEntropy(list);
        list.AddRange(EdgeCases.Cases);
        list.AddRange(BadInputCases.Cases);
        list.AddRange(FuzzFindingCases.Cases);
        var dup = list.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new InvalidOperationException($"duplicate matrix case name {dup.Key}");
        }
        var bad = list.FirstOrDefault(c => c.Name is null || !SafeName().IsMatch(c.Name));
        if (bad is not null)
        {
            throw new InvalidOperationException($"matrix case name '{bad.Name}' is not safe as a file name");
        }
        return list;
    }

    private static string Tag(double ls) => ls.ToString("R", CultureInfo.InvariantCulture);

    private static void Activations(List<CaseSpec> list)
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var s in ElementShapes)
            {
                list.Add(new CaseSpec
                {
                    Name = $"sigmoid.{dtype.Name()}.{s.Tag}", Op = LossOp.Sigmoid, DType = dtype, DTypeWritten = true, Seed = Seeds.Activations,
                    Inputs = [InputSpec.Randn("input", s.Input)], Grad = true,
                });
            }
        }
        foreach (var op in new[] { LossOp.Softmax, LossOp.LogSoftmax })
        {
            foreach (var dtype in FloatTypes)
            {
                foreach (var s in ElementShapes)
                {
                    foreach (int? dim in new int?[] { null, -1, 0 })
                    {
                        list.Add(new CaseSpec
                        {
                            Name = $"{op.Name()}.{dtype.Name()}.dim={(dim is int d ? d.ToString(CultureInfo.InvariantCulture) : "def")}.{s.Tag}",
                            Op = op, DType = dtype, DTypeWritten = true, Seed = Seeds.Activations,
                            Inputs = [InputSpec.Randn("input", s.Input)], Args = new CaseArgs { Dim = dim }, Grad = true,
                        });
                    }
                }
            }
        }
    }

    private static void BinaryCrossEntropy(List<CaseSpec> list)
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in AllReductions)
            {
                foreach (string w in new[] { "nw", "w", "wb" })
                {
                    foreach (string t in new[] { "t=01", "t=p" })
                    {
                        foreach (var s in ElementShapes)
                        {
                            if (w == "wb" && s.Input.Length == 0)
                            {
                                continue;
                            }
                            var inputs = new List<InputSpec>
                            {
                                InputSpec.Randn("input", s.Input, InputMap.Sigmoid),
                                t == "t=01" ? InputSpec.Randint("target", 0, 2, s.Target) : InputSpec.Rand("target", s.Target),
                            };
                            if (w != "nw")
                            {
                                inputs.Add(InputSpec.Rand("weight", w == "w" ? s.Input : [s.Last]));
                            }
                            list.Add(new CaseSpec
                            {
                                Name = $"binary_cross_entropy.{dtype.Name()}.{red.Name()}.{w}.{t}.{s.Tag}",
                                Op = LossOp.BinaryCrossEntropy, DType = dtype, DTypeWritten = true, Seed = Seeds.BinaryCrossEntropy,
                                Inputs = inputs, Args = new CaseArgs { Reduction = red, ReductionWritten = true }, Grad = true,
                                ExpectBitIdentical = true,
                            });
                        }
                    }
                }
            }
        }
    }

    private static void BinaryCrossEntropyWithLogits(List<CaseSpec> list)
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in AllReductions)
            {
                foreach (string w in new[] { "nw", "w", "wb" })
                {
                    foreach (bool pw in new[] { false, true })
                    {
                        foreach (string t in new[] { "t=01", "t=p" })
                        {
                            foreach (var s in ElementShapes)
                            {
                                if (w == "wb" && s.Input.Length == 0)
                                {
                                    continue;
                                }
                                var inputs = new List<InputSpec>
                                {
                                    InputSpec.Randn("input", s.Input),
                                    t == "t=01" ? InputSpec.Randint("target", 0, 2, s.Target) : InputSpec.Rand("target", s.Target),
                                };
                                if (w != "nw")
                                {
                                    inputs.Add(InputSpec.Rand("weight", w == "w" ? s.Input : [s.Last]));
                                }
                                if (pw)
                                {
                                    // pos_weight has one entry per class (the last dim), broadcast over the rest.
                                    inputs.Add(InputSpec.Rand("pos_weight", s.Input.Length == 0 ? [] : [s.Last]));
                                }
                                list.Add(new CaseSpec
                                {
                                    Name = $"binary_cross_entropy_with_logits.{dtype.Name()}.{red.Name()}.{w}{(pw ? ".pw" : "")}.{t}.{s.Tag}",
                                    Op = LossOp.BinaryCrossEntropyWithLogits, DType = dtype, DTypeWritten = true,
                                    Seed = Seeds.BinaryCrossEntropyWithLogits,
                                    Inputs = inputs, Args = new CaseArgs { Reduction = red, ReductionWritten = true }, Grad = true,
                                });
                            }
                        }
                    }
                }
            }
        }
    }

    private static readonly (string Tag, long? Value)[] IgnoreIndices = [("def", null), ("1", 1), ("-1", -1)];

    private static void NllLoss(List<CaseSpec> list)
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in AllReductions)
            {
                foreach (bool w in new[] { false, true })
                {
                    foreach (var (iiTag, ii) in IgnoreIndices)
                    {
                        foreach (var s in ClassShapes)
                        {
                            var inputs = new List<InputSpec>
                            {
                                InputSpec.Randn("input", s.Input, InputMap.LogSoftmax),
                                InputSpec.Randint("target", 0, s.C, s.Target, DType.Int64),
                            };
                            if (w)
                            {
                                inputs.Add(InputSpec.Rand("weight", [s.C]));
                            }
                            list.Add(new CaseSpec
                            {
                                Name = $"nll_loss.{dtype.Name()}.{red.Name()}.{(w ? "w" : "nw")}.ii={iiTag}.{s.Tag}",
                                Op = LossOp.NllLoss, DType = dtype, DTypeWritten = true, Seed = Seeds.NllLoss, Inputs = inputs,
                                Args = new CaseArgs { Reduction = red, ReductionWritten = true, IgnoreIndex = ii }, Grad = true,
                                ExpectBitIdentical = true,
                            });
                        }
                    }
                }
            }
        }
    }

    private static void CrossEntropy(List<CaseSpec> list)
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in AllReductions)
            {
                foreach (bool w in new[] { false, true })
                {
                    foreach (var (iiTag, ii) in IgnoreIndices)
                    {
                        foreach (double ls in new[] { 0.0, 0.1, 1.0 })
                        {
                            foreach (bool prob in new[] { false, true })
                            {
                                foreach (var s in ClassShapes)
                                {
                                    var inputs = new List<InputSpec>
                                    {
                                        InputSpec.Randn("input", s.Input),
                                        prob
                                            ? InputSpec.Randn("target", s.Input, InputMap.Softmax)
                                            : InputSpec.Randint("target", 0, s.C, s.Target, DType.Int64),
                                    };
                                    if (w)
                                    {
                                        inputs.Add(InputSpec.Rand("weight", [s.C]));
                                    }
                                    list.Add(new CaseSpec
                                    {
                                        Name = $"cross_entropy.{dtype.Name()}.{red.Name()}.{(w ? "w" : "nw")}.ii={iiTag}.ls={Tag(ls)}.{(prob ? "prob" : "idx")}.{s.Tag}",
                                        Op = LossOp.CrossEntropy, DType = dtype, DTypeWritten = true, Seed = Seeds.CrossEntropy, Inputs = inputs,
                                        Args = new CaseArgs { Reduction = red, ReductionWritten = true, IgnoreIndex = ii, LabelSmoothing = ls },
                                        Grad = true,
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
