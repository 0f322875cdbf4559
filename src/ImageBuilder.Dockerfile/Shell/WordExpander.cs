using System.Text;

namespace ImageBuilder.Dockerfile.Shell;

/// <summary>
/// One run of the lexer over one input. Nesting (double quotes, the words inside
/// <c>${...}</c>) is tracked on an explicit stack instead of by recursion, so arbitrarily
/// deep input cannot exhaust the call stack. Every frame writes straight into one shared
/// output buffer; a frame only remembers where its text starts, so a nested result that is
/// used as is never has to be copied on its way out.
/// </summary>
internal sealed partial class WordExpander
{
    /// <summary>A cap on the expanded text, so that repeated large values cannot exhaust memory.</summary>
    internal const int MaxResultLength = 64 * 1024 * 1024;

    private const int EndOfInput = -1;

    private readonly ShellLexer lexer;
    private readonly string input;
    private readonly IReadOnlyDictionary<string, string> env;
    private readonly StringBuilder output = new();
    private readonly WordSplitter? words;
    private readonly HashSet<string>? matched;
    private readonly HashSet<string>? unmatched;
    private readonly List<Frame> frames = [];
    private int pos;

    public WordExpander(ShellLexer lexer, string input, IReadOnlyDictionary<string, string> env, bool splitWords, bool recordNames)
    {
        this.lexer = lexer;
        this.input = input;
        this.env = env;
        words = splitWords ? new WordSplitter() : null;
        if (recordNames)
        {
            matched = new HashSet<string>(StringComparer.Ordinal);
            unmatched = new HashSet<string>(StringComparer.Ordinal);
        }
    }

    private enum FrameKind
    {
        /// <summary>The whole input; the only frame that feeds the word splitter.</summary>
        Top,

        /// <summary>The word of a <c>${name op word}</c>, ended by <c>}</c> (or <c>/</c> for a pattern).</summary>
        Operand,

        /// <summary>A double-quoted string.</summary>
        DoubleQuoted,
    }

    public string Result { get; private set; } = string.Empty;

    public IReadOnlyList<string> Words { get; private set; } = [];

    public IReadOnlySet<string> Matched => matched ?? [];

    public IReadOnlySet<string> Unmatched => unmatched ?? [];

    public void Run()
    {
        // Go's text/scanner, which BuildKit reads words with, skips a leading byte order mark.
        pos = input.Length > 0 && input[0] == '\uFEFF' ? 1 : 0;
        frames.Add(new Frame(FrameKind.Top, EndOfInput, lexer.RawEscapes, 0, 0, null));
        try
        {
            while (Step(frames[^1]))
            {
            }
        }
        catch (ExpansionFailure failure)
        {
            throw Describe(failure);
        }

        Result = output.ToString();
        Words = words?.Finish() ?? [];
    }

    // Handles the next piece of input for the innermost frame; false once the input is done.
    private bool Step(Frame frame)
    {
        if (frame.Kind == FrameKind.DoubleQuoted)
        {
            StepDoubleQuoted(frame);
            return true;
        }

        var c = Peek();
        if (c == EndOfInput)
        {
            if (frame.Kind == FrameKind.Top)
            {
                return false;
            }

            // Always reported as a missing '}' or '/' (see Describe).
            throw new ExpansionFailure("unexpected end of statement", pos);
        }

        if (frame.Kind == FrameKind.Operand && c == frame.Stop)
        {
            pos++;
            frames.RemoveAt(frames.Count - 1);
            FinishOperand(frame);
            return true;
        }

        if (c == '$')
        {
            ExpandDollar(frame);
            return true;
        }

        if (c == '<')
        {
            ReadAngleBrackets(frame);
            return true;
        }

        if (!lexer.SkipProcessQuotes && c == '\'')
        {
            ReadSingleQuoted(frame);
            return true;
        }

        if (!lexer.SkipProcessQuotes && c == '"')
        {
            frames.Add(new Frame(FrameKind.DoubleQuoted, EndOfInput, frame.RawEscapes, pos, output.Length, null));
            pos++;
            if (lexer.RawQuotes)
            {
                output.Append('"');
            }

            return true;
        }

        pos++;
        if (c != lexer.EscapeToken)
        {
            AppendPlain(frame, (char)c, split: true);
            return true;
        }

        if (frame.RawEscapes)
        {
            AppendPlain(frame, lexer.EscapeToken, split: false);
        }

        // An escape token at the very end escapes nothing and disappears.
        if (pos < input.Length)
        {
            AppendPlain(frame, input[pos++], split: false);
        }

        return true;
    }

    private int Peek() => pos < input.Length ? input[pos] : EndOfInput;

    private void AppendPlain(Frame frame, char c, bool split)
    {
        output.Append(c);
        if (frame.Kind == FrameKind.Top && words is not null)
        {
            if (split)
            {
                words.AddSplit(c);
            }
            else
            {
                words.AddRaw(c);
            }
        }
    }

    // Quoted text that ended up in the top frame is one unbreakable piece of the current word.
    private void DeliverQuoted(Frame frame, int start)
    {
        if (frame.Kind == FrameKind.Top && words is not null)
        {
            words.AddRaw(output.ToString(start, output.Length - start));
        }
    }

    // An expansion result that ended up (unquoted) in the top frame is split at whitespace.
    private void DeliverExpansion(Frame frame, int start)
    {
        if (frame.Kind == FrameKind.Top && words is not null)
        {
            words.AddSplit(output.ToString(start, output.Length - start));
        }
    }

    // Builds the public error. As in BuildKit, a failure that happens with the input used up
    // while a ${...} is still open is reported as that substitution's missing terminator;
    // the outermost open substitution decides which terminator that is.
    private ShellExpansionException Describe(ExpansionFailure failure)
    {
        var reason = failure.Reason;
        var position = failure.Position;
        if (pos >= input.Length)
        {
            foreach (var frame in frames)
            {
                if (frame.Kind == FrameKind.Operand && frame.Owner is { } open)
                {
                    reason = frame.Stop == '/' ? "syntax error: missing '/' in ${}" : "syntax error: missing '}'";
                    position = open.DollarAt;
                    break;
                }
            }
        }

        return new ShellExpansionException($"failed to process {GoQuote.Quote(input)}: {reason}", position);
    }

    // One level of nesting. Stop is the character that ends an operand; OpenedAt is where a
    // double quote opened; OutputStart is where the frame's text begins in the output.
    private sealed class Frame(FrameKind kind, int stop, bool rawEscapes, int openedAt, int outputStart, Substitution? owner)
    {
        public FrameKind Kind { get; } = kind;

        public int Stop { get; } = stop;

        public bool RawEscapes { get; } = rawEscapes;

        public int OpenedAt { get; } = openedAt;

        public int OutputStart { get; } = outputStart;

        public Substitution? Owner { get; } = owner;
    }

    private sealed class ExpansionFailure(string reason, int position) : Exception(reason)
    {
        public string Reason { get; } = reason;

        public int Position { get; } = position;
    }
}
