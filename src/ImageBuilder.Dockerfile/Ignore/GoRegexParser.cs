namespace ImageBuilder.Dockerfile.Ignore;

/// <summary>
/// Reads the regular expression text that <see cref="PatternCompiler"/> produces
/// with the grammar of Go's <c>regexp.Compile</c> (RE2, Perl flags: '^'/'$' are
/// text anchors, '.' skips newline, negated classes include newline, <c>\d \s \w</c>,
/// <c>[:alpha:]</c>, <c>\pL</c>, <c>\Q..\E</c>). It covers every construct that
/// translation can emit; whatever Go would reject makes <see cref="TryParse"/>
/// return null, which the matcher reports as a bad pattern, as docker does.
/// Alternation and counted repetition never occur unescaped in the text, so
/// they are treated as rejected rather than implemented.
/// </summary>
internal sealed partial class GoRegexParser
{
    private readonly int[] text;
    private int pos;

    private GoRegexParser(string regex) => text = GoText.ToRunes(regex);

    public static RegexNode? TryParse(string regex)
    {
        try
        {
            return new GoRegexParser(regex).ParseAll();
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static FormatException Reject() => new("not a valid Go regular expression");

    private int Peek(int offset = 0) => pos + offset < text.Length ? text[pos + offset] : -1;

    /// <summary>The whole text: groups nest on a stack of item lists, repetitions wrap the item before them.</summary>
    private RegexNode ParseAll()
    {
        var outer = new Stack<List<RegexNode>>();
        var items = new List<RegexNode>();
        var lastWasRepeat = false;
        while (pos < text.Length)
        {
            switch (text[pos])
            {
                case '(':
                    OpenGroup();
                    outer.Push(items);
                    items = [];
                    break;
                case ')':
                    items = CloseGroup(outer, items);
                    break;
                case '*' or '+' or '?':
                    Repeat(items, lastWasRepeat);
                    lastWasRepeat = true;
                    continue;
                default:
                    ParseAtom(items);
                    break;
            }

            lastWasRepeat = false;
        }

        if (outer.Count > 0)
        {
            throw Reject(); // missing ')'
        }

        return new SequenceNode(items);
    }

    private void OpenGroup()
    {
        if (Peek(1) == '?')
        {
            throw Reject(); // group flags: never produced by translation
        }

        pos++;
    }

    /// <summary>Ends the innermost group: it becomes one item of the enclosing list, which is returned.</summary>
    private List<RegexNode> CloseGroup(Stack<List<RegexNode>> outer, List<RegexNode> items)
    {
        pos++;
        if (outer.Count == 0)
        {
            throw Reject();
        }

        var enclosing = outer.Pop();
        enclosing.Add(new SequenceNode(items));
        return enclosing;
    }

    /// <summary><c>*</c>, <c>+</c> or <c>?</c> (greedy or not: the same strings match) applied to the last item.</summary>
    private void Repeat(List<RegexNode> items, bool lastWasRepeat)
    {
        // Go forbids stacking operators (a**) and an operator with no operand.
        if (lastWasRepeat || items.Count == 0)
        {
            throw Reject();
        }

        var op = text[pos++];
        if (Peek() == '?')
        {
            pos++; // non-greedy
        }

        items[^1] = new RepeatNode(items[^1], op == '+' ? 1 : 0, op != '?');
    }

    /// <summary>One atom: an anchor, '.', a class, an escape or a literal rune.</summary>
    private void ParseAtom(List<RegexNode> items)
    {
        switch (text[pos])
        {
            case '|' or '{':
                throw Reject(); // always escaped by translation
            case '^':
                pos++;
                items.Add(new AnchorNode(Anchor.BeginText));
                break;
            case '$':
                pos++;
                items.Add(new AnchorNode(Anchor.EndText));
                break;
            case '.':
                pos++;
                items.Add(new RuneNode(RuneClass.AnyButNewline));
                break;
            case '[':
                items.Add(new RuneNode(ParseClass()));
                break;
            case '\\':
                ParseBackslash(items);
                break;
            default:
                items.Add(new RuneNode(RuneClass.Single(text[pos++])));
                break;
        }
    }

    private void ParseBackslash(List<RegexNode> items)
    {
        switch (Peek(1))
        {
            case 'A':
                pos += 2;
                items.Add(new AnchorNode(Anchor.BeginText));
                return;
            case 'z':
                pos += 2;
                items.Add(new AnchorNode(Anchor.EndText));
                return;
            case 'b':
                pos += 2;
                items.Add(new AnchorNode(Anchor.WordBoundary));
                return;
            case 'B':
                pos += 2;
                items.Add(new AnchorNode(Anchor.NotWordBoundary));
                return;
            case 'C':
                throw Reject();
            case 'Q':
                // Everything up to "\E" (or the end of the text) is literal.
                pos += 2;
                while (pos < text.Length && !(text[pos] == '\\' && Peek(1) == 'E'))
                {
                    items.Add(new RuneNode(RuneClass.Single(text[pos++])));
                }

                pos = Math.Min(pos + 2, text.Length);
                return;
        }

        if (TryParseGroupEscape(out var ranges, out var category))
        {
            items.Add(new RuneNode(new RuneClass(ranges, category, negated: false)));
            return;
        }

        items.Add(new RuneNode(RuneClass.Single(ParseEscape())));
    }

    /// <summary>
    /// <c>\pX</c>, <c>\PX</c> and the Perl classes <c>\d \D \s \S \w \W</c>, inside
    /// or outside brackets. Returns false (consuming nothing) for other escapes.
    /// </summary>
    private bool TryParseGroupEscape(out IEnumerable<(int Lo, int Hi)> ranges, out IEnumerable<(int Mask, bool Negated)> category)
    {
        ranges = [];
        category = [];
        if (Peek() != '\\')
        {
            return false;
        }

        var letter = Peek(1);
        if (letter is 'p' or 'P')
        {
            // Committed: Go rejects an unknown name. The braced form needs '{',
            // which translation always escapes, so only one-letter names occur.
            var name = Peek(2);
            if (name == '{' || RuneClass.CategoryMask(name) is not { } mask)
            {
                throw Reject();
            }

            pos += 3;
            category = [(mask, letter == 'P')];
            return true;
        }

        if (RuneClass.PerlGroup(letter) is { } group)
        {
            pos += 2;
            ranges = char.IsUpper((char)letter) ? RuneClass.Complement(group) : group;
            return true;
        }

        return false;
    }

    private RuneClass ParseClass()
    {
        pos++; // '['
        var negated = false;
        if (Peek() == '^')
        {
            negated = true;
            pos++;
        }

        var ranges = new List<(int Lo, int Hi)>();
        var categories = new List<(int Mask, bool Negated)>();
        for (var first = true; Peek() != ']' || first; first = false)
        {
            if (Peek() == '[' && Peek(1) == ':' && TryParsePosixClass(ranges))
            {
                continue;
            }

            if (TryParseGroupEscape(out var groupRanges, out var category))
            {
                ranges.AddRange(groupRanges);
                categories.AddRange(category);
                continue;
            }

            var lo = ParseClassChar();
            var hi = lo;
            if (Peek() == '-' && Peek(1) is not ']' and not -1)
            {
                pos++;
                hi = ParseClassChar();
                if (hi < lo)
                {
                    throw Reject(); // invalid character class range, e.g. [l-O]
                }
            }

            ranges.Add((lo, hi));
        }

        pos++; // ']'
        return new RuneClass(ranges, categories, negated);
    }

    /// <summary>"[:name:]" or "[:^name:]"; false when no ":]" follows at all.</summary>
    private bool TryParsePosixClass(List<(int Lo, int Hi)> ranges)
    {
        var close = -1;
        for (var i = pos + 2; i + 1 < text.Length; i++)
        {
            if (text[i] == ':' && text[i + 1] == ']')
            {
                close = i;
                break;
            }
        }

        if (close < 0)
        {
            return false;
        }

        var name = new string([.. text[(pos + 2)..close].Select(r => r < 0x10000 ? (char)r : '\uFFFD')]);
        var inverted = name.StartsWith('^');
        if (RuneClass.PosixGroup(inverted ? name[1..] : name) is not { } group)
        {
            throw Reject();
        }

        ranges.AddRange(inverted ? RuneClass.Complement(group) : group);
        pos = close + 2;
        return true;
    }

    private int ParseClassChar()
    {
        if (pos >= text.Length)
        {
            throw Reject(); // missing ']'
        }

        return text[pos] == '\\' ? ParseEscape() : text[pos++];
    }
}
