namespace Parity.Native.Fast;

/// <summary>
/// Runs <c>body(ctx, block)</c> for every block index in <c>[0, blocks)</c> on up to <c>threads</c> threads (the calling
/// thread included), without allocating after the first call that needs a given number of helper threads.
/// </summary>
/// <remarks>
/// <para>
/// Which thread runs which block is not fixed; the kernels make results independent of it by writing every block's
/// partial result to its own slot and combining the slots afterwards in block order. The block partition itself is
/// chosen by the kernels from the problem size alone, never from the thread count.
/// </para>
/// <para>
/// Helper threads are background threads created on demand and parked on a semaphore between jobs. One job runs at a
/// time (a lock serialises concurrent callers). Bodies must not throw: the kernels validate their arguments before they
/// schedule any work and report data errors through their block slots.
/// </para>
/// </remarks>
internal static unsafe class BlockPool
{
    private static readonly object s_gate = new();
    private static readonly List<Helper> s_helpers = [];

    private static delegate*<void*, int, void> s_body;
    private static void* s_ctx;
    private static int s_blocks;
    private static int s_next;
    private static int s_running;
    private static readonly SemaphoreSlim s_done = new(0);

    /// <summary>Runs every block; serially on the caller when <paramref name="threads"/> or <paramref name="blocks"/> is 1.</summary>
    public static void Run(int blocks, int threads, delegate*<void*, int, void> body, void* ctx)
    {
        int helpers = Math.Min(threads, blocks) - 1;
        if (helpers <= 0)
        {
            for (int b = 0; b < blocks; b++)
            {
                body(ctx, b);
            }
            return;
        }

        lock (s_gate)
        {
            while (s_helpers.Count < helpers)
            {
                s_helpers.Add(new Helper(s_helpers.Count));
            }
            s_body = body;
            s_ctx = ctx;
            s_blocks = blocks;
            s_next = 0;
            s_running = helpers;
            for (int h = 0; h < helpers; h++)
            {
                s_helpers[h].Wake();
            }
            Drain();
            s_done.Wait();
            s_body = null;
            s_ctx = null;
        }
    }

    private static void Drain()
    {
        delegate*<void*, int, void> body = s_body;
        void* ctx = s_ctx;
        int blocks = s_blocks;
        for (int b = Interlocked.Increment(ref s_next) - 1; b < blocks; b = Interlocked.Increment(ref s_next) - 1)
        {
            body(ctx, b);
        }
    }

    private sealed class Helper
    {
        private readonly SemaphoreSlim _wake = new(0);

        public Helper(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Parity.Fast helper {index}" };
            thread.Start();
        }

        public void Wake() => _wake.Release();

        private void Loop()
        {
            while (true)
            {
                _wake.Wait();
                Drain();
                if (Interlocked.Decrement(ref s_running) == 0)
                {
                    s_done.Release();
                }
            }
        }
    }
}
