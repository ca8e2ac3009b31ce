namespace Parity.Native.Rng;

/// <summary>
/// The 32-bit Mersenne Twister engine exactly as libtorch's <c>at::mt19937</c> (c10 <c>MT19937RNGEngine.h</c>) runs it:
/// the standard MT19937 recurrence, seeded from the low 32 bits of a 64-bit seed.
/// </summary>
/// <remarks>
/// <para>Seeding: <c>s[0] = seed &amp; 0xffffffff</c>, <c>s[j] = 1812433253·(s[j−1] ⊕ (s[j−1] ≫ 30)) + j</c> (mod 2³²),
/// for j = 1..623. The high 32 bits of the seed are kept only for <see cref="Seed"/>.</para>
/// <para>Each draw first counts down the words left in the current block; when none are left the 624-word state is
/// regenerated in place with <c>s[k] = s[k+397 mod 624] ⊕ twist(s[k], s[k+1])</c>, where
/// <c>twist(u, v) = (((u &amp; 0x80000000) | (v &amp; 0x7fffffff)) ≫ 1) ⊕ (v odd ? 0x9908b0df : 0)</c>.
/// The word is then tempered: <c>y ⊕= y≫11; y ⊕= (y≪7) &amp; 0x9d2c5680; y ⊕= (y≪15) &amp; 0xefc60000; y ⊕= y≫18</c>.</para>
/// <para>This is the same stream as C++'s <c>std::mt19937</c> seeded with the same 32-bit value.</para>
/// </remarks>
public sealed class MT19937
{
    /// <summary>Words in the state (N).</summary>
    public const int StateSize = 624;

    private const int Shift = 397; // M
    private const uint MatrixA = 0x9908b0df;
    private const uint UpperMask = 0x80000000;
    private const uint LowerMask = 0x7fffffff;

    private readonly uint[] _state = new uint[StateSize];
    private int _left;
    private int _next;

    /// <summary>Creates an engine seeded with <paramref name="seed"/> (only its low 32 bits shape the stream).</summary>
    /// <param name="seed">The seed, stored whole for <see cref="Seed"/>.</param>
    public MT19937(ulong seed) => Reseed(seed);

    /// <summary>The seed as given, all 64 bits (libtorch's <c>mt19937::seed()</c>).</summary>
    public ulong Seed { get; private set; }

    /// <summary>Resets the engine to the state seeding with <paramref name="seed"/> gives.</summary>
    /// <param name="seed">The seed; its high 32 bits are ignored by the recurrence.</param>
    public void Reseed(ulong seed)
    {
        Seed = seed;
        _state[0] = (uint)(seed & 0xffffffff);
        for (int j = 1; j < StateSize; j++)
        {
            uint prev = _state[j - 1];
            _state[j] = unchecked((1812433253u * (prev ^ (prev >> 30))) + (uint)j);
        }
        _left = 1;
        _next = 0;
    }

    /// <summary>The next 32-bit output.</summary>
    public uint NextUInt32()
    {
        if (--_left == 0)
        {
            Regenerate();
        }
        uint y = _state[_next++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >> 18;
        return y;
    }

    /// <summary>Copies the raw 624-word state (before tempering), for inspection in tests.</summary>
    public uint[] StateSnapshot() => (uint[])_state.Clone();

    private static uint Twist(uint u, uint v) => (((u & UpperMask) | (v & LowerMask)) >> 1) ^ ((v & 1) != 0 ? MatrixA : 0u);

    private void Regenerate()
    {
        uint[] s = _state;
        int k = 0;
        for (; k < StateSize - Shift; k++)
        {
            s[k] = s[k + Shift] ^ Twist(s[k], s[k + 1]);
        }
        for (; k < StateSize - 1; k++)
        {
            s[k] = s[k + Shift - StateSize] ^ Twist(s[k], s[k + 1]);
        }
        s[StateSize - 1] = s[Shift - 1] ^ Twist(s[StateSize - 1], s[0]);
        _left = StateSize;
        _next = 0;
    }
}
