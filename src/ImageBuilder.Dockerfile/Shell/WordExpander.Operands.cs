namespace ImageBuilder.Dockerfile.Shell;

internal sealed partial class WordExpander
{
    private enum Operation
    {
        /// <summary><c>${v-w}</c>, <c>${v:-w}</c>: the word when the variable is unset (or empty).</summary>
        UseDefault,

        /// <summary><c>${v+w}</c>, <c>${v:+w}</c>: the word when the variable is set (and not empty).</summary>
        UseAlternative,

        /// <summary><c>${v?m}</c>, <c>${v:?m}</c>: fail with the message when unset (or empty).</summary>
        Require,

        /// <summary><c>${v#p}</c>, <c>${v##p}</c>.</summary>
        TrimPrefix,

        /// <summary><c>${v%p}</c>, <c>${v%%p}</c>.</summary>
        TrimSuffix,

        /// <summary><c>${v/p/r}</c>, <c>${v//p/r}</c>.</summary>
        Replace,

        /// <summary>Anything else after <c>:</c>; rejected once its word has been read.</summary>
        Unsupported,
    }

    private void FinishOperand(Frame frame)
    {
        var sub = frame.Owner!;
        if (sub.Operation == Operation.Replace && !sub.ReadingReplacement)
        {
            sub.ReadingReplacement = true;
            sub.PatternStart = frame.OutputStart;
            sub.PatternEnd = output.Length;
            if (sub.KeepLiteral)
            {
                output.Append('/');
            }

            frames.Add(new Frame(FrameKind.Operand, '}', true, sub.DollarAt, output.Length, sub));
            return;
        }

        if (sub.KeepLiteral)
        {
            output.Append('}');
            DeliverExpansion(sub.Parent, sub.OutputStart);
            return;
        }

        // From here on the substitution's own text starts at sub.OutputStart, and for every
        // operation but Replace that text is exactly the word.
        var value = sub.Value ?? string.Empty;
        var counts = sub.IsSet && !(sub.NullIsUnset && value.Length == 0);
        switch (sub.Operation)
        {
            case Operation.UseDefault:
                if (counts)
                {
                    ReplaceOwnText(sub, value);
                }

                break;
            case Operation.UseAlternative:
                if (!counts)
                {
                    output.Length = sub.OutputStart;
                }

                break;
            case Operation.Require:
                if (!counts)
                {
                    var word = output.ToString(sub.OutputStart, output.Length - sub.OutputStart);
                    var fallback = sub.IsSet ? "is not allowed to be empty" : "is not allowed to be unset";
                    throw new ExpansionFailure($"{sub.Name}: {(word.Length > 0 ? word : fallback)}", sub.DollarAt);
                }

                ReplaceOwnText(sub, value);
                break;
            case Operation.TrimPrefix or Operation.TrimSuffix:
                ReplaceOwnText(sub, Trim(sub, value));
                break;
            case Operation.Replace:
                ReplaceOwnText(sub, Substitute(sub, value));
                break;
            default:
                throw Unsupported(sub.OperatorText, sub.DollarAt);
        }

        DeliverExpansion(sub.Parent, sub.OutputStart);
    }

    private string Trim(Substitution sub, string value)
    {
        var word = output.ToString(sub.OutputStart, output.Length - sub.OutputStart);
        var marker = sub.Operation == Operation.TrimPrefix ? '#' : '%';

        // A doubled operator (## or %%) asks for the longest match. Like BuildKit, this looks
        // at the expanded word, so a pattern taken from a variable can also start with it.
        var longest = word.Length > 0 && word[0] == marker;
        var pattern = longest ? word[1..] : word;
        var codePoints = CodePoints.From(pattern);
        if (sub.Operation == Operation.TrimSuffix)
        {
            codePoints = ShellPattern.ReverseText(codePoints);
        }

        var glob = ParsePattern(codePoints, pattern, sub);
        return sub.Operation == Operation.TrimPrefix
            ? GlobSubstitution.TrimPrefix(value, glob, longest)
            : GlobSubstitution.TrimSuffix(value, glob, longest);
    }

    private string Substitute(Substitution sub, string value)
    {
        var pattern = output.ToString(sub.PatternStart, sub.PatternEnd - sub.PatternStart);
        var replacement = output.ToString(sub.PatternEnd, output.Length - sub.PatternEnd);
        var glob = ParsePattern(CodePoints.From(pattern), pattern, sub);
        var all = sub.OperatorText == "//";
        return GlobSubstitution.Replace(value, glob, replacement, all, MaxResultLength - sub.OutputStart)
            ?? throw TooLong(sub.DollarAt);
    }

    private static ShellPattern ParsePattern(int[] codePoints, string shown, Substitution sub)
    {
        if (!ShellPattern.TryParse(codePoints, out var glob, out var error))
        {
            throw new ExpansionFailure($"invalid pattern ({shown}) in substitution: {error}", sub.DollarAt);
        }

        return glob!;
    }

    private void ReplaceOwnText(Substitution sub, string text)
    {
        output.Length = sub.OutputStart;
        AppendValue(text, sub.DollarAt);
    }

    private void AppendValue(string value, int dollarAt)
    {
        if (value.Length > MaxResultLength - output.Length)
        {
            throw TooLong(dollarAt);
        }

        output.Append(value);
    }

    // One ${name op word} whose word is being read.
    private sealed class Substitution(Frame parent, int dollarAt, int outputStart, string name, string operatorText, Operation operation, bool nullIsUnset)
    {
        /// <summary>The frame the result goes to.</summary>
        public Frame Parent { get; } = parent;

        public int DollarAt { get; } = dollarAt;

        /// <summary>Where the substitution's text begins in the output.</summary>
        public int OutputStart { get; } = outputStart;

        public string Name { get; } = name;

        /// <summary>The operator as written, e.g. <c>:-</c> or <c>//</c>.</summary>
        public string OperatorText { get; } = operatorText;

        public Operation Operation { get; } = operation;

        /// <summary>The operator had a colon: an empty value counts as unset.</summary>
        public bool NullIsUnset { get; } = nullIsUnset;

        public bool IsSet { get; set; }

        public string? Value { get; set; }

        /// <summary>SkipUnsetEnv is on and the variable is unset: the text is reproduced as written.</summary>
        public bool KeepLiteral { get; set; }

        public bool ReadingReplacement { get; set; }

        public int PatternStart { get; set; }

        public int PatternEnd { get; set; }
    }
}
