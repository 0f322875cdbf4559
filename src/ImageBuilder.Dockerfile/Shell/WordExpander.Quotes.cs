namespace ImageBuilder.Dockerfile.Shell;

internal sealed partial class WordExpander
{
    // Double quotes: everything is literal except '$' expansions and a few escapes.
    private void StepDoubleQuoted(Frame frame)
    {
        var c = Peek();
        switch (c)
        {
            case EndOfInput:
                throw new ExpansionFailure("unexpected end of statement while looking for matching double-quote", frame.OpenedAt);
            case '"':
                pos++;
                if (lexer.RawQuotes)
                {
                    output.Append('"');
                }

                frames.RemoveAt(frames.Count - 1);
                DeliverQuoted(frames[^1], frame.OutputStart);
                return;
            case '$':
                ExpandDollar(frame);
                return;
        }

        pos++;
        if (c == lexer.EscapeToken)
        {
            if (frame.RawEscapes)
            {
                output.Append(lexer.EscapeToken);
            }

            // Inside double quotes the escape token only escapes '"', '$' and itself;
            // before anything else it is an ordinary character.
            var following = Peek();
            if (following == EndOfInput)
            {
                return;
            }

            if (following == '"' || following == '$' || following == lexer.EscapeToken)
            {
                pos++;
                output.Append((char)following);
                return;
            }
        }

        output.Append((char)c);
    }

    // Single quotes: everything up to the next single quote is literal, escapes included.
    private void ReadSingleQuoted(Frame frame)
    {
        var openedAt = pos;
        var start = output.Length;
        var close = input.IndexOf('\'', pos + 1);
        if (close < 0)
        {
            pos = input.Length;
            throw new ExpansionFailure("unexpected end of statement while looking for matching single-quote", openedAt);
        }

        if (lexer.RawQuotes)
        {
            output.Append(input, pos, close + 1 - pos);
        }
        else
        {
            output.Append(input, pos + 1, close - pos - 1);
        }

        pos = close + 1;
        DeliverQuoted(frame, start);
    }

    // BuildKit keeps a heredoc marker and the blanks after it together, so that "<< EOF"
    // stays one word for heredoc detection; a lone '<' is just a character. Unlike
    // BuildKit today, the chomping form "<<- EOF" is kept together too (BuildKit's own
    // heredoc table expects it, and moby/buildkit#6822 proposes the same).
    private void ReadAngleBrackets(Frame frame)
    {
        var start = output.Length;
        pos++;
        if (Peek() != '<')
        {
            output.Append('<');
        }
        else
        {
            pos++;
            output.Append("<<");
            if (Peek() == '-')
            {
                output.Append(input[pos++]);
            }

            while (Peek() is ' ' or '\t' or '\r')
            {
                output.Append(input[pos++]);
            }
        }

        DeliverQuoted(frame, start);
    }
}
