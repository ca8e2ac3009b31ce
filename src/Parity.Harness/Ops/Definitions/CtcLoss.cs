using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Native;
using Parity.Native.Ops;
using Parity.Harness.Matrix;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)</c>
/// with the lengths as tensors: native <see cref="Functional.CtcLoss(Tensor, Tensor, Tensor, Tensor, long, Reduction, bool)"/>;
/// reference <c>aten::ctc_loss.Tensor</c>, which Python's frontend calls after <c>_Reduction.get_enum(reduction)</c>.
/// </summary>
/// <remarks>
/// <para>Only <c>log_probs</c> is differentiable; libtorch's CPU backward returns the log_softmax-style gradient
/// (see <see cref="Functional.CtcLossBackward(Tensor, Tensor, Tensor, Tensor, Tensor, long, Reduction, bool)"/>), which the
/// native backward reproduces. Lengths are int64 or int32 tensors (cast to int64, as ATen does); targets of any dtype are
/// cast to int64.</para>
/// <para>libtorch does not range-check the labels and reads out of bounds for a label ≥ C, so no case here (matrix,
/// edges, bad inputs, fuzz) ever holds one; a label equal to blank is legal and appears on purpose.</para>
/// <para>libtorch's kernel is a plain scalar loop (log-space α/β with glibc's exp/log, the cascade sum for the
/// reductions), which the readable native op follows operation for operation: cases are bit-identical.</para>
/// </remarks>
public sealed class CtcLoss : OpDefinition
{
    /// <inheritdoc/>
    /// <remarks>torch/nn/functional.py <c>ctc_loss</c> passes <c>_Reduction.get_enum(reduction)</c>: a UserWarning, then 'mean'.</remarks>
    public override bool ModelsElementwiseMean => true;

    private const long MatrixSeed = 1701, RealisticSeed = 1702, EdgeSeed = 1703;

    /// <summary>Python's <c>_Reduction.get_enum</c> warning for the deprecated spelling of 'mean'.</summary>
    internal const string ElementwiseMeanWarning = "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.";

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("ctc_loss",
        [
            new TensorParam("log_probs", Differentiable: true),
            // targets.to(kLong) leaves a float target outside the graph: autograd.grad finds an output that needs no grad.
            new TensorParam("targets", NoGradError: "element 0 of tensors does not require grad and does not have a grad_fn"),
            new TensorParam("input_lengths"),
            new TensorParam("target_lengths"),
        ],
        [
            new ScalarParam("blank", ArgKind.Int, ArgValue.Of(0L)),
            ScalarParam.Reduction(),
            new ScalarParam("zero_infinity", ArgKind.Bool, ArgValue.Of(false)),
        ]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.ctc_loss`, `nn.CTCLoss`",
        "`Functional.CtcLoss(logProbs, targets, inputLengths, targetLengths, blank, reduction, zeroInfinity)`, `CTCLoss`; `FastLosses.CtcLoss`",
        "TorchScript `torch.ctc_loss` (lengths as tensors)",
        "`blank`, `reduction`, `zero_infinity`; padded or concatenated targets, unbatched (T,C), int64/int32 lengths / all, lengths also as `long[]` / all (`zero_infinity` before `reduction`), tensor lengths only");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) => Functional.CtcLoss(
        call.Required("log_probs"), call.Required("targets"), call.Required("input_lengths"), call.Required("target_lengths"),
        call.Int("blank"), ReductionOf(call, warn: true), call.Bool("zero_infinity"));

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt) => Pick(wrt,
        ("log_probs", () => Functional.CtcLossBackward(gradOutput,
            call.Required("log_probs"), call.Required("targets"), call.Required("input_lengths"), call.Required("target_lengths"),
            call.Int("blank"), ReductionOf(call, warn: false), call.Bool("zero_infinity"))));

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Tensor, target_lengths: Tensor, blank: int, reduction: int, zero_infinity: bool) -> Tensor:
            return torch.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)
        """;

    /// <inheritdoc/>
    /// <remarks>
    /// torch/nn/functional.py <c>ctc_loss</c>: no checks of its own; <c>_Reduction.get_enum(reduction)</c> is evaluated as
    /// an argument of <c>torch.ctc_loss</c>, so its ValueError (and its 'elementwise_mean' warning) comes before any ATen check.
    /// </remarks>
    public override ReferenceCall Reference(OpCall call)
    {
        long reduction = GetEnum(call.Arg("reduction").AsString);
        return new("ctc_loss",
            [call.Required("log_probs"), call.Required("targets"), call.Required("input_lengths"), call.Required("target_lengths"),
             call.Int("blank"), reduction, call.Bool("zero_infinity")]);
    }

    /// <summary>torch/nn/_reduction.py <c>get_enum</c>, written from Python (independently of <see cref="ReductionOf"/>).</summary>
    private static long GetEnum(string reduction)
    {
        switch (reduction)
        {
            case "none":
                return 0;
            case "mean":
                return 1;
            case "elementwise_mean":
                TorchWarnings.Warn(ElementwiseMeanWarning);
                return 1;
            case "sum":
                return 2;
            default:
                throw new TorchException(TorchErrorKind.ValueError, $"{reduction} is not a valid value for reduction");
        }
    }

    /// <summary>The native side's reading of <c>reduction</c>: the op's three values, and 'elementwise_mean' as 'mean' with Python's warning.</summary>
    private static Reduction ReductionOf(OpCall call, bool warn)
    {
        if (call.Arg("reduction").AsString == "elementwise_mean")
        {
            if (warn)
            {
                TorchWarnings.Warn(ElementwiseMeanWarning);
            }
            return Reduction.Mean;
        }
        return call.Reduction;
    }

    // ---- catalogue -----------------------------------------------------------------------------------------------

    /// <summary>How targets are laid out.</summary>
    private enum Layout
    {
        /// <summary>(T, N, C) input, (N, S) targets.</summary>
        Padded,

        /// <summary>(T, N, C) input, 1-D targets of Σ target_lengths.</summary>
        Concatenated,

        /// <summary>(T, C) input, 1-D targets, 0-D lengths.</summary>
        Unbatched,

        /// <summary>(T, C) input, (1, S) targets, (1) lengths.</summary>
        UnbatchedPadded,
    }

    /// <summary>The length patterns of the matrix.</summary>
    private enum Pattern
    {
        /// <summary>Every sample uses all T frames and S labels.</summary>
        Equal,

        /// <summary>Input and target lengths differ per sample (all feasible).</summary>
        Ragged,

        /// <summary>Empty targets and empty inputs (an empty input with an empty target).</summary>
        Zero,

        /// <summary>Each sample's input length is the fewest frames its target needs (labels + repeats).</summary>
        Minimal,

        /// <summary>One sample has a frame too few for its target (loss +∞), another an empty input with a label.</summary>
        Infeasible,
    }

    private static readonly Layout[] Layouts = [Layout.Padded, Layout.Concatenated, Layout.Unbatched, Layout.UnbatchedPadded];
    private static readonly Pattern[] Patterns = [Pattern.Equal, Pattern.Ragged, Pattern.Zero, Pattern.Minimal, Pattern.Infeasible];

    /// <summary>The lengths' dtypes: (input_lengths, target_lengths, integer targets).</summary>
    private static readonly (string Tag, DType Input, DType Target, DType Labels)[] LengthTypes =
    [
        ("i64", DType.Int64, DType.Int64, DType.Int64),
        ("i32", DType.Int32, DType.Int32, DType.Int32),
        ("mixed", DType.Int32, DType.Int64, DType.Int64),
    ];

    private static readonly string[] BlankTags = ["0", "last", "mid"];

    /// <summary>The two matrix sizes: frames, batch, classes, longest target (T·N·C ≤ 100, the catalogue's small-tensor rule).</summary>
    private static readonly (int T, int N, int C, int S)[] Sizes = [(6, 3, 5, 3), (8, 3, 4, 4)];

    /// <inheritdoc/>
    /// <remarks>
    /// Reductions × dtypes in full, crossed with a pairwise design over layout × zero_infinity × length dtypes × blank
    /// position × length pattern × size. log_probs are randn through the harness's log_softmax map (over dim 1: the
    /// batch for (T, N, C), the classes for (T, C); CTC does not need normalised rows). Targets of the 'equal' pattern
    /// are drawn with randint in the labels' dtype (int32 included); the others are written out so that repeats, and with
    /// them the minimal and infeasible input lengths, are known.
    /// </remarks>
    public override IEnumerable<CaseSpec> Matrix()
    {
        var rows = Pairwise(Layouts.Length, 2, LengthTypes.Length, BlankTags.Length, Patterns.Length, Sizes.Length);
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                for (int r = 0; r < rows.Count; r++)
                {
                    int[] row = rows[r];
                    var layout = Layouts[row[0]];
                    bool zi = row[1] == 1;
                    var lt = LengthTypes[row[2]];
                    var pattern = Patterns[row[4]];
                    var size = Sizes[row[5]];
                    bool unbatched = layout is Layout.Unbatched or Layout.UnbatchedPadded;
                    int n = unbatched ? 1 : size.N;
                    long blank = row[3] switch { 0 => 0, 1 => size.C - 1, _ => size.C / 2 };
                    var (inputs, tag) = Build(layout, pattern, lt, size.T, n, size.C, size.S, blank, seed: (ulong)(1000 + r));
                    yield return new CaseSpec
                    {
                        Name = $"ctc_loss.{dtype.Name()}.{red.Name()}.{LayoutTag(layout)}.{lt.Tag}.blank={BlankTags[row[3]]}.{pattern.ToString().ToLowerInvariant()}.zi={(zi ? 1 : 0)}.{tag}",
                        Op = this, DType = dtype, DTypeWritten = true, Seed = MatrixSeed, Inputs = inputs,
                        Args = ArgSet.Of(("blank", blank), ("reduction", red.Name()), ("zero_infinity", zi)), Grad = true,
                        ExpectBitIdentical = true,
                    };
                }
            }
        }
        foreach (var c in Realistic())
        {
            yield return c;
        }
    }

    private static string LayoutTag(Layout layout) => layout switch
    {
        Layout.Padded => "padded",
        Layout.Concatenated => "concat",
        Layout.Unbatched => "unbatched",
        _ => "unbatched-padded",
    };

    /// <summary>
    /// The inputs of one matrix case: log_probs, targets (drawn or written), input_lengths, target_lengths, and the size
    /// tag of the name. Labels avoid blank (except in the 'equal' pattern with a middle blank, where randint may draw it).
    /// </summary>
    private static (IReadOnlyList<InputSpec> Inputs, string Tag) Build(
        Layout layout, Pattern pattern, (string Tag, DType Input, DType Target, DType Labels) lt, int frames, int n, int c, int s, long blank, ulong seed)
    {
        var rng = new SplitMix(seed);
        var il = new long[n];
        var tl = new long[n];
        var labels = new List<long[]>();
        long Label() => NonBlank(rng, c, blank);
        long[] Distinct(int len)
        {
            var l = new long[len];
            for (int k = 0; k < len; k++)
            {
                do
                {
                    l[k] = Label();
                }
                while (k > 0 && l[k] == l[k - 1] && c > 2);
            }
            return l;
        }
        long[] WithRepeat(int len)
        {
            var l = Distinct(len);
            if (len >= 2)
            {
                l[1] = l[0];
            }
            return l;
        }
        static int Needed(long[] l) => l.Length + l.Skip(1).Where((v, k) => v == l[k]).Count();

        bool drawn = false;
        switch (pattern)
        {
            case Pattern.Equal:
                drawn = true;
                for (int i = 0; i < n; i++)
                {
                    (il[i], tl[i]) = (frames, s);
                }
                break;
            case Pattern.Ragged:
                for (int i = 0; i < n; i++)
                {
                    il[i] = frames - i;
                    tl[i] = Math.Max(1, s - i);
                    labels.Add(Distinct((int)tl[i]));
                }
                if (n == 1)
                {
                    (il[0], tl[0]) = (frames - 1, s - 1);
                    labels[0] = Distinct(s - 1);
                }
                break;
            case Pattern.Zero:
                for (int i = 0; i < n; i++)
                {
                    (il[i], tl[i]) = i switch { 0 => (frames, 0L), 1 => (0L, 0L), _ => (frames - 1, s) };
                    labels.Add(Distinct((int)tl[i]));
                }
                if (layout == Layout.UnbatchedPadded)
                {
                    (il[0], tl[0]) = (0, 0);
                }
                break;
            case Pattern.Minimal:
            {
                int longest = 0;
                for (int i = 0; i < n; i++)
                {
                    tl[i] = Math.Max(1, s - (i % 3));
                    var l = i % 2 == 0 ? WithRepeat((int)tl[i]) : Distinct((int)tl[i]);
                    labels.Add(l);
                    il[i] = Needed(l);
                    longest = Math.Max(longest, (int)il[i]);
                }
                frames = longest;
                break;
            }
            default:
                for (int i = 0; i < n; i++)
                {
                    tl[i] = Math.Max(1, s - (i % 2));
                    var l = WithRepeat((int)tl[i]);
                    labels.Add(l);
                    il[i] = i switch { 0 => Needed(l) - 1, 1 => 0, _ => frames };
                }
                break;
        }

        int width = (int)tl.Max();
        InputSpec targets;
        if (drawn)
        {
            // randint over the non-blank labels when blank is at an end; a middle blank may be drawn as a label.
            (long low, long high) = blank == 0 ? (1L, (long)c) : blank == c - 1 ? (0L, c - 1L) : (0L, (long)c);
            int[] shape = layout switch
            {
                Layout.Padded => [n, width],
                Layout.UnbatchedPadded => [1, width],
                _ => [(int)tl.Sum()],
            };
            targets = InputSpec.Randint("targets", low, high, shape, lt.Labels);
        }
        else if (layout is Layout.Padded or Layout.UnbatchedPadded)
        {
            // Padding past each target length is never read; it holds the first non-blank label.
            var flat = new long[n * width];
            Array.Fill(flat, blank == 0 ? 1 : 0);
            for (int i = 0; i < n; i++)
            {
                labels[i].CopyTo(flat, i * width);
            }
            targets = I("targets", Ints(lt.Labels, [n, width], flat));
        }
        else
        {
            targets = I("targets", Ints(lt.Labels, [(int)tl.Sum()], [.. labels.SelectMany(l => l)]));
        }
        int[] lengthShape = layout == Layout.Unbatched ? [] : [n];
        int[] lpShape = layout is Layout.Unbatched or Layout.UnbatchedPadded ? [frames, c] : [frames, n, c];
        var inputs = new List<InputSpec>
        {
            InputSpec.Randn("log_probs", lpShape, InputMap.LogSoftmax),
            targets,
            I("input_lengths", Ints(lt.Input, lengthShape, il)),
            I("target_lengths", Ints(lt.Target, lengthShape, tl)),
        };
        string tag = layout is Layout.Unbatched or Layout.UnbatchedPadded ? $"T{frames}C{c}S{width}" : $"T{frames}N{n}C{c}S{width}";
        return (inputs, tag);
    }

    /// <summary>A label in [0, C) other than blank (blank itself when C = 1).</summary>
    private static long NonBlank(SplitMix rng, int classes, long blank)
    {
        if (classes == 1)
        {
            return 0;
        }
        long v = (long)(rng.Next() % (ulong)(classes - 1));
        return v >= blank ? v + 1 : v;
    }

    /// <summary>An integer tensor of <paramref name="dtype"/> (int64 or int32).</summary>
    private static Tensor Ints(DType dtype, int[] shape, params long[] values) => dtype == DType.Int32
        ? Tensor.FromArray(Array.ConvertAll(values, v => checked((int)v)), shape)
        : Tensor.FromArray(values, shape);

    /// <summary>
    /// Realistic sizes (T up to 200, C up to 40): drawn labels avoiding blank, ragged lengths, every reduction, with
    /// gradients (batches kept small so the snapshots stay small).
    /// </summary>
    private IEnumerable<CaseSpec> Realistic()
    {
        (int T, int N, int C, int S, long Blank, Layout Layout, DType Lengths)[] shapes =
        [
            (200, 2, 40, 60, 0, Layout.Padded, DType.Int64),
            (100, 4, 28, 30, 27, Layout.Padded, DType.Int32),
            (50, 6, 12, 15, 0, Layout.Concatenated, DType.Int32),
        ];
        foreach (var dtype in FloatTypes)
        {
            for (int k = 0; k < shapes.Length; k++)
            {
                var (t, n, c, s, blank, layout, ldt) = shapes[k];
                var il = Enumerable.Range(0, n).Select(i => (long)(t - (i * t / (2 * n)))).ToArray();
                var tl = Enumerable.Range(0, n).Select(i => (long)(s - (i * s / (2 * n)))).ToArray();
                (long low, long high) = blank == 0 ? (1L, (long)c) : (0L, blank);
                int[] targetShape = layout == Layout.Padded ? [n, s] : [(int)tl.Sum()];
                var red = CaseKit.Reductions[k % 3];
                yield return new CaseSpec
                {
                    Name = $"ctc_loss.{dtype.Name()}.{red.Name()}.{LayoutTag(layout)}.{ldt.Name()}.realistic.T{t}N{n}C{c}S{s}",
                    Op = this, DType = dtype, DTypeWritten = true, Seed = RealisticSeed,
                    Inputs =
                    [
                        InputSpec.Randn("log_probs", [t, n, c], InputMap.LogSoftmax),
                        InputSpec.Randint("targets", low, high, targetShape, ldt),
                        I("input_lengths", Ints(ldt, [n], il)),
                        I("target_lengths", Ints(ldt, [n], tl)),
                    ],
                    Args = ArgSet.Of(("blank", blank), ("reduction", red.Name())), Grad = true, ExpectBitIdentical = true,
                };
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Edges()
    {
        const double NegInf = double.NegativeInfinity;
        foreach (var dt in FloatTypes)
        {
            string d = dt.Name();
            CaseSpec Case(string name, IReadOnlyList<InputSpec> inputs, ArgSet args) => new()
            {
                Name = $"ctc_loss.{d}.{name}", Op = this, DType = dt, DTypeWritten = true, Seed = EdgeSeed, Inputs = inputs, Args = args,
                Grad = true, ExpectBitIdentical = true,
            };
            InputSpec Lp(int[] shape) => InputSpec.Randn("log_probs", shape, InputMap.LogSoftmax);
            InputSpec Il(params long[] v) => I("input_lengths", L([v.Length], v));
            InputSpec Tl(params long[] v) => I("target_lengths", L([v.Length], v));
            foreach (var r in CaseKit.Reductions)
            {
                string rn = r.Name();
                foreach (bool zi in new[] { false, true })
                {
                    string z = zi ? "zi=1" : "zi=0";
                    var args = ArgSet.Of(("reduction", rn), ("zero_infinity", zi));
                    // A needed label has probability 0 at every frame: +∞ without any length problem.
                    var lp = V(dt, [3, 1, 3], -1, NegInf, -0.5, -2, NegInf, -0.2, -0.7, NegInf, -1.1);
                    yield return Case($"{rn}.{z}.edges.impossible-label", [I("log_probs", lp), I("targets", L([1, 1], 1)), Il(3), Tl(1)], args);
                    // Every sample infeasible.
                    yield return Case($"{rn}.{z}.edges.all-infeasible",
                        [Lp([2, 2, 4]), I("targets", L([2, 3], 1, 2, 3, 1, 1, 2)), Il(2, 1), Tl(3, 2)], args);
                }
                var a = ArgSet.Of(("reduction", rn));
                yield return Case($"{rn}.edges.one-frame-empty-target", [Lp([1, 2, 3]), I("targets", L([2, 1], 1, 1)), Il(1, 1), Tl(0, 0)], a);
                yield return Case($"{rn}.edges.one-frame-one-label", [Lp([1, 2, 3]), I("targets", L([2, 1], 1, 2)), Il(1, 1), Tl(1, 1)], a);
                yield return Case($"{rn}.edges.label-equals-blank", [Lp([5, 2, 4]), I("targets", L([2, 3], 0, 2, 0, 3, 0, 1)), Il(5, 4), Tl(3, 2)], a);
                yield return Case($"{rn}.edges.all-repeats-minimal", [Lp([7, 1, 3]), I("targets", L([1, 4], 2, 2, 2, 2)), Il(7), Tl(4)], a);
                yield return Case($"{rn}.edges.all-empty-targets", [Lp([4, 3, 3]), I("targets", L([0])), Il(4, 2, 0), Tl(0, 0, 0)], a);
                yield return Case($"{rn}.edges.one-class", [Lp([3, 2, 1]), I("targets", L([2, 2], 0, 0, 0, 0)), Il(3, 2), Tl(0, 0)], a);
                yield return Case($"{rn}.edges.unnormalised", [InputSpec.Randn("log_probs", [6, 2, 5]), I("targets", L([4], 1, 2, 3, 3)), Il(6, 5), Tl(2, 2)], a);
                yield return Case($"{rn}.edges.huge-negative",
                    [I("log_probs", V(dt, [2, 1, 3], -1e30, -1e30, -1e30, -1e30, -1e30, -1e30)), I("targets", L([1], 1)), Il(2), Tl(1)], a);
                yield return Case($"{rn}.edges.nan", [I("log_probs", V(dt, [2, 1, 3], -1, double.NaN, -2, -0.5, -1, -3)), I("targets", L([1], 2)), Il(2), Tl(1)], a);
                yield return Case($"{rn}.edges.pos-inf", [I("log_probs", V(dt, [2, 1, 3], -1, double.PositiveInfinity, -2, -0.5, -1, -3)), I("targets", L([1], 1)), Il(2), Tl(1)], a);
                yield return Case($"{rn}.edges.float-targets",
                    [Lp([5, 2, 4]), I("targets", V(dt, [2, 2], 1.7, 2.2, 3.9, 1)), Il(5, 5), Tl(2, 1)], ArgSet.Of(("reduction", rn)));
                yield return Case($"{rn}.edges.2d-lengths",
                    [Lp([4, 2, 3]), I("targets", L([2, 2], 1, 2, 2, 1)), I("input_lengths", L([2, 1], 4, 3)), I("target_lengths", L([1, 2], 2, 1))], a);
                yield return Case($"{rn}.edges.long-target-T=2S1",
                    [Lp([21, 1, 4]), I("targets", L([1, 10], 1, 2, 3, 1, 2, 3, 1, 2, 3, 1)), Il(21), Tl(10)], ArgSet.Of(("blank", 0L), ("reduction", rn)));
            }
            yield return Case("mean.edges.elementwise-mean-warns",
                [Lp([5, 2, 4]), I("targets", L([2, 2], 1, 2, 3, 3)), Il(5, 4), Tl(2, 2)], ArgSet.Of(("reduction", "elementwise_mean")));
            yield return Case("sum.edges.blank-mid-defaults",
                [Lp([5, 2, 5]), I("targets", L([3], 1, 3, 4)), Il(5, 3), Tl(2, 1)], ArgSet.Of(("blank", 2L), ("reduction", "sum")));
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError, V = TorchErrorKind.ValueError;
        const string From = " (while checking arguments for ctc_loss_allocate_outputs)";
        var lp = InputSpec.Randn("log_probs", [5, 2, 4], InputMap.LogSoftmax);
        var padded = I("targets", L([2, 3], 1, 2, 3, 3, 1, 1));
        InputSpec Il(params long[] v) => I("input_lengths", L([v.Length], v));
        InputSpec Tl(params long[] v) => I("target_lengths", L([v.Length], v));
        var il = Il(5, 4);
        var tl = Tl(3, 2);
        return
        [
            new("blank-equals-C", R, "blank must be in label range", [lp, padded, il, tl], ArgSet.Of(("blank", 4L))),
            new("blank-negative", R, "blank must be in label range", [lp, padded, il, tl], ArgSet.Of(("blank", -1L))),
            new("input-lengths-count", R, "input_lengths must be of size batch_size", [lp, padded, Il(5, 4, 3), tl]),
            new("target-lengths-count", R, "target_lengths must be of size batch_size", [lp, padded, il, Tl(3)]),
            new("input-lengths-float", R, "input_lengths must be integral", [lp, padded, I("input_lengths", F([2], 5, 4)), tl]),
            new("target-lengths-float64", R, "target_lengths must be integral", [lp, padded, il, I("target_lengths", D([2], 3, 2))]),
            new("integral-check-before-blank", R, "input_lengths must be integral", [lp, padded, I("input_lengths", F([2], 5, 4)), tl], ArgSet.Of(("blank", 9L))),
            new("input-length-above-T", R, "Expected input_lengths to have value at most 5, but got value 6" + From, [lp, padded, Il(6, 4), tl]),
            new("input-length-above-T.int32", R, "Expected input_lengths to have value at most 5, but got value 7" + From,
                [lp, padded, I("input_lengths", Ints(DType.Int32, [2], 5, 7)), I("target_lengths", Ints(DType.Int32, [2], 3, 2))]),
            new("input-length-negative", R, "Expected input_lengths to have value at least 0, but got value -1" + From, [lp, padded, Il(-1, 4), tl]),
            new("target-length-negative", R, "Expected target_lengths to have value at least 0, but got value -1" + From, [lp, padded, il, Tl(-1, 2)]),
            new("padded-targets-too-short", R, "Expected tensor to have size at least 4 at dimension 1, but got size 3 for argument #2 'targets'" + From,
                [lp, padded, il, Tl(4, 2)]),
            new("concatenated-length", R, "Expected tensor to have size 4 at dimension 0, but got size 5 for argument #2 'targets'" + From,
                [lp, I("targets", L([5], 1, 2, 3, 1, 2)), il, Tl(3, 1)]),
            new("padded-batch", R, "Expected tensor to have size 2 at dimension 0, but got size 1 for argument #2 'targets'" + From,
                [lp, I("targets", L([1, 3], 1, 2, 3)), il, tl]),
            new("targets-3d", R, "Expected 1 to 2 dimensions, but got 3-dimensional tensor for argument #2 'targets'" + From,
                [lp, I("targets", L([2, 3, 1], 1, 2, 3, 3, 1, 1)), il, tl]),
            new("log-probs-4d", R, "Expected 3-dimensional tensor, but got 5-dimensional tensor for argument #1 'log_probs'" + From,
                [InputSpec.Randn("log_probs", [5, 2, 4, 1]), padded, il, tl]),
            new("log-probs-1d", R, "Expected 3-dimensional tensor, but got 2-dimensional tensor for argument #1 'log_probs'" + From,
                [InputSpec.Randn("log_probs", [5]), I("targets", L([1], 0)), I("input_lengths", L([], 5)), I("target_lengths", L([], 1))]),
            new("log-probs-0d", TorchErrorKind.IndexError, "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
                [InputSpec.Randn("log_probs", []), I("targets", L([0])), I("input_lengths", L([], 1)), I("target_lengths", L([], 0))]),
            new("log-probs-empty", R, "log_probs tensor must not be empty", [InputSpec.Randn("log_probs", [0, 2, 4]), padded, Il(0, 0), tl]),
            new("log-probs-int64", TorchErrorKind.NotImplementedError, "\"ctc_loss_cpu\" not implemented for 'Long'",
                [I("log_probs", L([2, 1, 2], 0, 0, 0, 0)), I("targets", L([1], 1)), Il(2), Tl(1)]),
            new("log-probs-int32", TorchErrorKind.NotImplementedError, "\"ctc_loss_cpu\" not implemented for 'Int'",
                [I("log_probs", Ints(DType.Int32, [2, 1, 2], 0, 0, 0, 0)), I("targets", L([1], 1)), Il(2), Tl(1)]),
            new("reduction-batchmean", V, "batchmean is not a valid value for reduction", [lp, padded, il, tl], ArgSet.Of(("reduction", "batchmean"))),
            new("reduction-before-aten", V, "avg is not a valid value for reduction", [lp, padded, Il(9, 9), tl], ArgSet.Of(("reduction", "avg"))),
            new("grad-float-targets", R, "element 0 of tensors does not require grad and does not have a grad_fn",
                [lp, I("targets", F([2, 3], 1, 2, 3, 3, 1, 1)), il, tl]) { Grad = true, GradOnly = ["targets"] },
        ];
    }

    /// <inheritdoc/>
    /// <remarks>
    /// FF8 (docs/fuzz-findings.md, fast kernels): an unbatched sample's 1-D targets are concatenated, not one padded row —
    /// libtorch checks targets.size(0) against Σ target_lengths.
    /// </remarks>
    public override IEnumerable<CaseSpec> Pinned() =>
    [
        NllLoss.FastFinding(this, "FF8.ctc_loss.seed=1.case=724", DType.Float64,
            [
                I("log_probs", D([1, 3], 0, 0, 0)), InputSpec.Randint("targets", 0, 1, [0], DType.Int64),
                I("input_lengths", Tensor.FromArray(new[] { 1 }, [])), I("target_lengths", L([], 1)),
            ], ArgSet.Of(("blank", 2L), ("reduction", "none"), ("zero_infinity", false))),
    ];

    // ---- fuzz ------------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    /// <remarks>
    /// Random geometry within the bounds (T ≥ 1, N 1–4 or unbatched, C ≥ 1), blank anywhere in [0, C), labels anywhere in
    /// [0, C) (blank included, never out of range), input lengths mostly T and otherwise anywhere in [0, T] (so both
    /// feasible and infeasible alignments), target lengths 0–4, padded or concatenated, int64/int32 lengths and labels
    /// (rarely float labels), log_probs normalised over C or raw adversarial log-probabilities, every reduction (with
    /// 'elementwise_mean' and an invalid one now and then), and now and then one of libtorch's rejected structures.
    /// </remarks>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        int maxDim = Math.Max(1, bounds.MaxDim);
        return from dtype in FuzzCases.FloatType
               from unbatched in Gen.Frequency((1, Gen.Const(true)), (4, Gen.Const(false)))
               from dims in Gen.Int[1, maxDim].Array[3]
               let batch = unbatched ? 1 : Math.Min(dims[1], 4)
               let geometry = Fit(dims[0], batch, dims[2], bounds.MaxNumel)
               let frames = geometry.T
               let classes = geometry.C
               from blank in Gen.Int[0, classes - 1]
               from padded in Gen.Bool
               from targetLengths in Gen.Frequency((3, Gen.Int[0, Math.Min(4, frames)]), (1, Gen.Int[0, 4])).Array[batch]
               let total = targetLengths.Sum()
               from extra in Gen.Frequency((3, Gen.Const(0)), (1, Gen.Int[1, 2]))
               let width = targetLengths.Max() + extra
               from labels in Gen.Frequency((3, Gen.Int[0, classes - 1]), (1, Gen.Const(blank))).Array[padded ? batch * width : total]
               from inputLengths in Gen.Frequency((3, Gen.Const(frames)), (2, Gen.Int[0, frames])).Array[batch]
               from lengthTypes in Gen.OneOfConst(DType.Int64, DType.Int32).Array[2]
               from labelType in Gen.Frequency((6, Gen.Const(DType.Int64)), (3, Gen.Const(DType.Int32)), (1, Gen.Const(dtype)))
               from normalised in Gen.Frequency((2, Gen.Const(true)), (1, Gen.Const(false)))
               from values in FuzzCases.Values(dtype, unbatched ? [frames, classes] : [frames, batch, classes], normalised ? ValueKind.Logit : ValueKind.LogProbability)
               from reduction in Gen.Frequency((12, FuzzCases.AnyReduction.Select(r => r.Name())), (1, Gen.OneOfConst("elementwise_mean", "batchmean")))
               from zeroInfinity in Gen.Bool
               from writeBlank in Gen.Frequency((3, Gen.Const(true)), (1, Gen.Const(blank == 0)))
               from mutation in Gen.Frequency((20, Gen.Const(-1)), (1, Gen.Int[0, 7]))
               select Mutate(
                   new OpCall(this, ArgSet.Of(("blank", writeBlank ? blank : null), ("reduction", reduction), ("zero_infinity", zeroInfinity)),
                       ("log_probs", normalised && values.Numel > 0 ? Functional.LogSoftmax(values, values.Dim - 1) : values),
                       ("targets", Ints(DType.Int64, padded ? [batch, width] : [total], [.. labels.Select(v => (long)v)]).To(labelType)),
                       ("input_lengths", Ints(lengthTypes[0], unbatched && !padded ? [] : [batch], [.. inputLengths.Select(v => (long)v)])),
                       ("target_lengths", Ints(lengthTypes[1], unbatched && !padded ? [] : [batch], [.. targetLengths.Select(v => (long)v)]))),
                   mutation, frames, classes);
    }

    /// <summary>Shrinks T and C (never below 1) until T·N·C fits the element budget.</summary>
    private static (int T, int C) Fit(int frames, int batch, int classes, int maxNumel)
    {
        while ((long)frames * batch * classes > Math.Max(1, maxNumel) && (frames > 1 || classes > 1))
        {
            if (frames >= classes && frames > 1)
            {
                frames--;
            }
            else
            {
                classes--;
            }
        }
        return (frames, classes);
    }

    /// <summary>
    /// One of libtorch's rejected structures: an input length of T + 1 or −1, a length count of N + 1, a blank of C or −1,
    /// float lengths, a target length of −1, targets one label short, an empty log_probs.
    /// </summary>
    private static OpCall Mutate(OpCall call, int mutation, int frames, int classes)
    {
        if (mutation < 0)
        {
            return call;
        }
        var il = call.Required("input_lengths");
        var tl = call.Required("target_lengths");
        var targets = call.Required("targets");
        Tensor Set(Tensor t, int i, long v)
        {
            var c = t.Clone();
            c.SetDouble(i, v);
            return c;
        }
        return mutation switch
        {
            0 => call.With("input_lengths", Set(il, 0, frames + 1)),
            1 => call.With("input_lengths", Set(il, 0, -1)),
            2 => call.With("input_lengths", Tensor.Zeros(il.DType, il.Numel + 1)),
            3 => call.WithArg("blank", classes),
            4 => call.WithArg("blank", -1L),
            5 => call.With("target_lengths", tl.To(DType.Float32)),
            6 => call.With("target_lengths", Set(tl, 0, -1)),
            _ => targets.Dim == 1 && targets.Numel > 0
                ? call.With("targets", Tensor.Zeros(targets.DType, targets.Numel - 1))
                : call.With("log_probs", Tensor.Zeros(call.Primary.DType, [0, .. call.Primary.Shape[1..]])),
        };
    }

    /// <summary>SplitMix64: a fixed, platform-independent stream for the written labels of the matrix.</summary>
    private sealed class SplitMix(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
