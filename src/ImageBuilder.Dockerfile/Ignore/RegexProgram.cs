namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>
/// A Thompson automaton over runes, run as a set of states in one pass over the
/// path: matching time is at most (path length x program size), whatever the
/// pattern, so no input can make it backtrack or hang. It answers Go's
/// <c>Regexp.MatchString</c>: does a match exist anywhere (translation anchors
/// the start with '^'; the end is anchored only if '$' survived).
/// </summary>
internal sealed class RegexProgram
{
    private enum Op : byte
    {
        Rune,
        Split,
        Jump,
        Assert,
        Match,
    }

    private readonly Op[] ops;
    private readonly RuneClass?[] classes;
    private readonly int[] targets;
    private readonly int[] alternates;
    private readonly Anchor[] anchors;

    private RegexProgram(Builder builder)
    {
        ops = [.. builder.Ops];
        classes = [.. builder.Classes];
        targets = [.. builder.Targets];
        alternates = [.. builder.Alternates];
        anchors = [.. builder.Anchors];
    }

    public static RegexProgram Compile(RegexNode root)
    {
        var builder = new Builder();
        builder.Emit(root);
        builder.Add(Op.Match);
        return new RegexProgram(builder);
    }

    /// <summary>Whether the expression matches <paramref name="input"/>.</summary>
    public bool IsMatch(string input) => Run(GoText.ToRunes(input), ancestors: false);

    /// <summary>
    /// Whether the expression matches <paramref name="dir"/> or one of its
    /// ancestors, the prefixes that end just before a '/'. One pass does it:
    /// the state after a prefix is the same as after that prefix inside the
    /// longer text; only "end of text" must then be assumed in addition ('/'
    /// and the end are both non-word characters, so \b sees no difference).
    /// </summary>
    public bool MatchesAnyPrefix(string dir) => Run(GoText.ToRunes(dir), ancestors: true);

    private bool Run(int[] runes, bool ancestors)
    {
        var current = new StateSet(ops.Length);
        var next = new StateSet(ops.Length);
        var scratch = ancestors ? new StateSet(ops.Length) : null;
        var pending = new Stack<int>();
        AddClosure(current, 0, runes, 0, runes.Length, pending);
        for (var pos = 0; ; pos++)
        {
            // Go's MatchString searches: a match ending anywhere is enough.
            if (ContainsMatch(current))
            {
                return true;
            }

            if (scratch is not null && pos < runes.Length && runes[pos] == '/' && AcceptsAsEnd(current, scratch, runes, pos, pending))
            {
                return true;
            }

            if (pos == runes.Length || current.Count == 0)
            {
                return false;
            }

            next.Clear();
            for (var i = 0; i < current.Count; i++)
            {
                var pc = current[i];
                if (ops[pc] == Op.Rune && classes[pc]!.Contains(runes[pos]))
                {
                    AddClosure(next, pc + 1, runes, pos + 1, runes.Length, pending);
                }
            }

            (current, next) = (next, current);
        }
    }

    private bool ContainsMatch(StateSet set)
    {
        for (var i = 0; i < set.Count; i++)
        {
            if (ops[set[i]] == Op.Match)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Would the text cut at <paramref name="pos"/> match: the states of <paramref name="states"/> with the end of text at pos.</summary>
    private bool AcceptsAsEnd(StateSet states, StateSet scratch, int[] runes, int pos, Stack<int> pending)
    {
        scratch.Clear();
        for (var i = 0; i < states.Count; i++)
        {
            AddClosure(scratch, states[i], runes, pos, pos, pending);
        }

        return ContainsMatch(scratch);
    }

    /// <summary>
    /// Adds <paramref name="start"/> and every state reachable from it without
    /// consuming a rune, with assertions judged at <paramref name="pos"/> of a
    /// text that ends at <paramref name="end"/>.
    /// </summary>
    private void AddClosure(StateSet set, int start, int[] runes, int pos, int end, Stack<int> pending)
    {
        if (!set.Add(start))
        {
            return;
        }

        pending.Push(start);
        while (pending.Count > 0)
        {
            var pc = pending.Pop();
            switch (ops[pc])
            {
                case Op.Jump:
                    Follow(targets[pc]);
                    break;
                case Op.Split:
                    Follow(targets[pc]);
                    Follow(alternates[pc]);
                    break;
                case Op.Assert when Holds(anchors[pc], runes, pos, end):
                    Follow(pc + 1);
                    break;
            }
        }

        void Follow(int pc)
        {
            if (set.Add(pc))
            {
                pending.Push(pc);
            }
        }
    }

    private static bool Holds(Anchor anchor, int[] runes, int pos, int end) => anchor switch
    {
        Anchor.BeginText => pos == 0,
        Anchor.EndText => pos == end,
        Anchor.WordBoundary => IsWordBefore(runes, pos) != IsWordAt(runes, pos, end),
        Anchor.NotWordBoundary => IsWordBefore(runes, pos) == IsWordAt(runes, pos, end),
        _ => false,
    };

    // Go's \b looks at ASCII word characters only.
    private static bool IsWord(int r) => r < 0x80 && (r == '_' || char.IsAsciiLetterOrDigit((char)r));

    private static bool IsWordBefore(int[] runes, int pos) => pos > 0 && IsWord(runes[pos - 1]);

    private static bool IsWordAt(int[] runes, int pos, int end) => pos < end && IsWord(runes[pos]);

    /// <summary>Insertion-ordered set of program counters with O(1) add, test and clear.</summary>
    private sealed class StateSet(int capacity)
    {
        private readonly int[] dense = new int[capacity];
        private readonly int[] sparse = new int[capacity];

        public int Count { get; private set; }

        public int this[int index] => dense[index];

        public bool Add(int pc)
        {
            var slot = sparse[pc];
            if (slot < Count && dense[slot] == pc)
            {
                return false;
            }

            sparse[pc] = Count;
            dense[Count++] = pc;
            return true;
        }

        public void Clear() => Count = 0;
    }

    private sealed class Builder
    {
        public List<Op> Ops { get; } = [];
        public List<RuneClass?> Classes { get; } = [];
        public List<int> Targets { get; } = [];
        public List<int> Alternates { get; } = [];
        public List<Anchor> Anchors { get; } = [];

        public int Add(Op op, RuneClass? runeClass = null, Anchor anchor = default)
        {
            Ops.Add(op);
            Classes.Add(runeClass);
            Targets.Add(-1);
            Alternates.Add(-1);
            Anchors.Add(anchor);
            return Ops.Count - 1;
        }

        public void Emit(RegexNode node)
        {
            switch (node)
            {
                case RuneNode rune:
                    Add(Op.Rune, rune.Class);
                    break;
                case AnchorNode anchor:
                    Add(Op.Assert, anchor: anchor.Kind);
                    break;
                case SequenceNode sequence:
                    foreach (var item in sequence.Items)
                    {
                        Emit(item);
                    }

                    break;
                case RepeatNode { Min: 1 } plus:
                    // body; split(back to body, out)
                    var bodyStart = Ops.Count;
                    Emit(plus.Item);
                    var loop = Add(Op.Split);
                    Targets[loop] = bodyStart;
                    Alternates[loop] = Ops.Count;
                    break;
                case RepeatNode repeat:
                    // split(body, out); body; [jump back to split]
                    var split = Add(Op.Split);
                    Targets[split] = Ops.Count;
                    Emit(repeat.Item);
                    if (repeat.Unbounded)
                    {
                        var jump = Add(Op.Jump);
                        Targets[jump] = split;
                    }

                    Alternates[split] = Ops.Count;
                    break;
            }
        }
    }
}
