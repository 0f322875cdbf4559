namespace ImageBuilder.Dockerfile.Shell;

/// <summary>
/// Runs a <see cref="ShellPattern"/> as a position automaton whose active states are kept in
/// a bit set (state j = "the first j tokens have been matched"). Each input code point costs
/// at most (pattern length / 64) word operations, and usually only a few because just the
/// words that hold live states are visited. A scan is therefore linear in the text whatever
/// the pattern looks like: there is no backtracking at all.
/// </summary>
internal sealed class GlobAutomaton
{
    private readonly int accept;
    private readonly int width;
    private readonly ulong[] anyRun;
    private readonly ulong[] anyOne;
    private readonly ulong[] start;
    private readonly Dictionary<int, ulong[]> denseLiterals = [];
    private readonly Dictionary<int, int[]> sparseLiterals = [];
    private ulong[] current;
    private ulong[] next;
    private int lowWord;
    private int highWord;

    public GlobAutomaton(ShellPattern pattern)
    {
        var tokens = pattern.Tokens;
        accept = tokens.Length;
        width = (tokens.Length / 64) + 1;
        anyRun = new ulong[width];
        anyOne = new ulong[width];
        var positions = new Dictionary<int, List<int>>();
        for (var j = 0; j < tokens.Length; j++)
        {
            switch (tokens[j].Kind)
            {
                case ShellPatternTokenKind.AnyRun:
                    Set(anyRun, j);
                    break;
                case ShellPatternTokenKind.AnyOne:
                    Set(anyOne, j);
                    break;
                default:
                    if (!positions.TryGetValue(tokens[j].CodePoint, out var list))
                    {
                        positions[tokens[j].CodePoint] = list = [];
                    }

                    list.Add(j);
                    break;
            }
        }

        // A character that occurs often gets a full bit mask; a rare one a short position list.
        // The threshold keeps both the memory (masks) and the per-step cost (lists) near width.
        var threshold = Math.Max(64, width);
        foreach (var (codePoint, list) in positions)
        {
            if (list.Count >= threshold)
            {
                var mask = new ulong[width];
                foreach (var j in list)
                {
                    Set(mask, j);
                }

                denseLiterals[codePoint] = mask;
            }
            else
            {
                sparseLiterals[codePoint] = [.. list];
            }
        }

        start = new ulong[width];
        Set(start, 0);
        CloseOverRuns(start, 0, width - 1);
        current = new ulong[width];
        next = new ulong[width];
    }

    /// <summary>
    /// The end of the shortest or longest match of the whole pattern that begins at
    /// <paramref name="from"/>, or -1 when no match begins there.
    /// </summary>
    public int MatchFrom(ReadOnlySpan<int> text, int from, bool longest)
    {
        Reset();
        var best = -1;
        for (var i = from; ; i++)
        {
            if (IsSet(current, accept))
            {
                best = i;
                if (!longest)
                {
                    break;
                }
            }

            if (i == text.Length || !Advance(text[i]))
            {
                break;
            }
        }

        return best;
    }

    /// <summary>
    /// For an automaton built from the reversed pattern: marks every position of
    /// <paramref name="text"/> at which some match of the original pattern begins, found by
    /// one right-to-left scan that starts a fresh attempt at every position.
    /// </summary>
    public bool[] MatchStartsScanningBackwards(ReadOnlySpan<int> text)
    {
        var starts = new bool[text.Length + 1];
        Reset();
        starts[text.Length] = IsSet(current, accept);
        for (var i = text.Length - 1; i >= 0; i--)
        {
            if (!Advance(text[i]))
            {
                lowWord = 0;
                highWord = 0;
            }

            // The start states all live in the first word (state 0, and 1 after a leading '*').
            current[0] |= start[0];
            lowWord = 0;
            starts[i] = IsSet(current, accept);
        }

        return starts;
    }

    private void Reset()
    {
        start.CopyTo(current, 0);
        Array.Clear(next);
        lowWord = 0;
        highWord = 0;
    }

    // Moves every active state over one code point; returns false when none survives.
    // Only the words between lowWord and highWord can hold active states (every other word
    // of both buffers is zero), and a step moves a state forward by at most two positions,
    // so the step only has to look at that window plus one word.
    private bool Advance(int codePoint)
    {
        var low = lowWord;
        var high = Math.Min(highWord + 1, width - 1);
        var wildcards = codePoint != '\n';
        denseLiterals.TryGetValue(codePoint, out var dense);
        ulong carry = 0;
        for (var w = low; w <= high; w++)
        {
            var active = current[w];
            var moving = wildcards ? active & anyOne[w] : 0;
            if (dense is not null)
            {
                moving |= active & dense[w];
            }

            var staying = wildcards ? active & anyRun[w] : 0;
            next[w] = (moving << 1) | carry | staying;
            carry = moving >> 63;
        }

        if (sparseLiterals.TryGetValue(codePoint, out var sparse))
        {
            foreach (var j in sparse)
            {
                if (IsSet(current, j))
                {
                    Set(next, j + 1);
                }
            }
        }

        CloseOverRuns(next, low, high);
        for (var w = low; w <= high; w++)
        {
            current[w] = 0;
        }

        (current, next) = (next, current);
        while (low <= high && current[low] == 0)
        {
            low++;
        }

        while (high >= low && current[high] == 0)
        {
            high--;
        }

        lowWord = low;
        highWord = high;
        return low <= high;
    }

    // A '*' may match nothing, so being at a '*' also means being just past it. Runs of
    // '*' were folded, so one shift reaches every state this can add.
    private void CloseOverRuns(ulong[] states, int low, int high)
    {
        ulong carry = 0;
        for (var w = low; w <= high; w++)
        {
            var runs = states[w] & anyRun[w];
            states[w] |= (runs << 1) | carry;
            carry = runs >> 63;
        }
    }

    private static void Set(ulong[] bits, int index) => bits[index >> 6] |= 1UL << (index & 63);

    private static bool IsSet(ulong[] bits, int index) => (bits[index >> 6] & (1UL << (index & 63))) != 0;
}
