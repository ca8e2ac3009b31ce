using System.Numerics;

namespace Parity.Native.Ops;

/// <summary>
/// What libtorch's autograd does to a gradient whose shape is the broadcast shape of an op but whose input was smaller:
/// <c>at::sum_to(grad, input.sizes())</c> (leading dimensions and the dimensions where the input has size 1 are summed),
/// and the vectorised/scalar split of an element-wise TensorIterator kernel over broadcast operands.
/// </summary>
internal static class SumTo
{
    /// <summary>
    /// How <c>at::sum_to(from → to)</c> reduces: the summed dimensions (the leading ones, and those where the target
    /// shape has size 1), whether any of them has more than one element, and whether those form one block once size-1
    /// dimensions are ignored — then the sum is over the middle of an (outer, reduced, inner) view.
    /// </summary>
    /// <param name="Reduce">Per dimension of the source shape, whether it is summed.</param>
    /// <param name="Any">Whether a summed dimension has more than one element.</param>
    /// <param name="OneBlock">Whether the summed dimensions of more than one element are adjacent (size-1 ones ignored).</param>
    /// <param name="Outer">With <paramref name="OneBlock"/>: the elements before the block.</param>
    /// <param name="Reduced">With <paramref name="OneBlock"/>: the elements summed.</param>
    /// <param name="Inner">With <paramref name="OneBlock"/>: the elements after the block.</param>
    internal readonly record struct Plan(bool[] Reduce, bool Any, bool OneBlock, int Outer, int Reduced, int Inner)
    {
        /// <summary>The plan for <paramref name="from"/> → <paramref name="to"/> (<paramref name="to"/> broadcasts to <paramref name="from"/>).</summary>
        public static Plan Of(ReadOnlySpan<int> from, ReadOnlySpan<int> to)
        {
            int leading = from.Length - to.Length;
            var reduce = new bool[from.Length];
            for (int i = 0; i < from.Length; i++)
            {
                reduce[i] = i < leading || (to[i - leading] == 1 && from[i] != 1);
            }
            int outer = 1, reduced = 1, inner = 1, phase = 0;
            bool any = false, oneBlock = true;
            for (int i = 0; i < from.Length; i++)
            {
                if (from[i] == 1)
                {
                    continue;
                }
                if (reduce[i])
                {
                    any = true;
                    oneBlock &= phase != 2;
                    phase = phase == 0 ? 1 : phase;
                    reduced *= from[i];
                }
                else if (phase == 0)
                {
                    outer *= from[i];
                }
                else
                {
                    phase = 2;
                    inner *= from[i];
                }
            }
            return new Plan(reduce, any, oneBlock, outer, reduced, inner);
        }
    }

    /// <summary>
    /// Sums <paramref name="values"/> (row-major, shaped <paramref name="from"/>) down to <paramref name="to"/>, which
    /// broadcasts to <paramref name="from"/>.
    /// </summary>
    /// <remarks>
    /// When the summed dimensions form one block (ignoring dimensions of size 1) the sum follows libtorch's cascade order
    /// (<see cref="CascadeSum.AlongDim"/>); otherwise (summed dimensions separated by kept ones) it follows libtorch's
    /// multi-block order (<see cref="CascadeSum.Reduce"/>). Both are bit-identical to a single-threaded libtorch sum.
    /// </remarks>
    public static T[] Reduce<T>(T[] values, ReadOnlySpan<int> from, ReadOnlySpan<int> to)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (from.SequenceEqual(to))
        {
            return values;
        }
        var plan = Plan.Of(from, to);
        if (plan.OneBlock)
        {
            if (values.Length == 0)
            {
                return new T[Tensor.NumelOf(to)];
            }
            return CascadeSum.AlongDim<T>(values, plan.Outer, plan.Reduced, plan.Inner);
        }
        return CascadeSum.Reduce<T>(values, from, plan.Reduce);
    }

    /// <summary>
    /// For each element of an element-wise TensorIterator kernel over <paramref name="shape"/> (output contiguous), whether
    /// <c>cpu_kernel_vec</c> computes it in a vector lane (true) or with the scalar lambda (false).
    /// </summary>
    /// <param name="shape">The iteration (output) shape.</param>
    /// <param name="inputs">Each input's shape as broadcast to <paramref name="shape"/> (null: a 0-D input, stride 0 everywhere).</param>
    /// <param name="vectorLanes">Lanes of <c>Vectorized&lt;T&gt;</c>.</param>
    /// <remarks>
    /// The dimensions are coalesced as TensorIterator does (size-1 dimensions dropped, neighbours merged when every operand's
    /// strides allow it); an inner row is vectorised when every input is contiguous along it, or exactly one has stride 0,
    /// and then in blocks of 2·lanes with a scalar tail (<c>vectorized_loop</c>); otherwise the whole row is scalar.
    /// One thread is assumed (libtorch splits rows of more than 32768 elements across threads).
    /// </remarks>
    public static bool[] VectorLanes(ReadOnlySpan<int> shape, int[]?[] inputs, int vectorLanes)
    {
        int n = Tensor.NumelOf(shape);
        var lanes = new bool[n];
        if (n == 0)
        {
            return lanes;
        }
        var dims = new List<int>();
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] != 1)
            {
                dims.Add(d);
            }
        }
        int ops = inputs.Length + 1;
        // Element strides of every operand along the kept dims (operand 0: the contiguous output).
        var strides = new long[ops][];
        for (int k = 0; k < ops; k++)
        {
            strides[k] = new long[dims.Count];
            int[]? own = k == 0 ? shape.ToArray() : inputs[k - 1];
            long s = 1;
            for (int j = shape.Length - 1; j >= 0; j--)
            {
                int pos = dims.IndexOf(j);
                bool broadcast = own is null || own[j] == 1;
                if (pos >= 0)
                {
                    strides[k][pos] = broadcast ? 0 : s;
                }
                if (!broadcast)
                {
                    s *= shape[j];
                }
            }
        }
        if (dims.Count == 0)
        {
            // A single element: one row of length 1, scalar.
            return lanes;
        }
        // Coalesce from the innermost dim outwards to find the inner row.
        int last = dims.Count - 1;
        long rowLen = shape[dims[last]];
        int first = last;
        while (first > 0)
        {
            int outerDim = first - 1;
            // Merging a dim further out requires each operand's stride to continue the run it forms so far.
            bool ok = true;
            for (int k = 0; k < ops; k++)
            {
                if (strides[k][outerDim] != strides[k][last] * rowLen)
                {
                    ok = false;
                    break;
                }
            }
            if (!ok)
            {
                break;
            }
            rowLen *= shape[dims[outerDim]];
            first = outerDim;
        }
        int zeros = 0;
        bool vectorised = true;
        for (int k = 1; k < ops; k++)
        {
            long st = strides[k][last];
            if (st == 0)
            {
                zeros++;
            }
            else if (st != 1)
            {
                vectorised = false;
            }
        }
        if (!vectorised || zeros > 1)
        {
            return lanes;
        }
        int block = 2 * vectorLanes;
        long vecEnd = rowLen - (rowLen % block);
        for (int i = 0; i < n; i++)
        {
            lanes[i] = i % rowLen < vecEnd;
        }
        return lanes;
    }
}
