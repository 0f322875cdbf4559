namespace ImageBuilder.Dockerfile.Shell;

internal sealed partial class WordExpander
{
    // Called with the input at '$'. Plain $name is finished here; ${name op word} opens a
    // frame for its word and is finished by FinishOperand when the word ends.
    private void ExpandDollar(Frame frame)
    {
        var dollarAt = pos;
        var start = output.Length;
        pos++;
        if (Peek() != '{')
        {
            var plainName = ReadName();
            if (plainName.Length == 0)
            {
                output.Append('$');
            }
            else if (Lookup(plainName, out var plainValue))
            {
                AppendValue(plainValue, dollarAt);
            }
            else if (lexer.SkipUnsetEnv)
            {
                output.Append('$').Append(plainName);
            }

            DeliverExpansion(frame, start);
            return;
        }

        pos++;
        var first = Peek();
        if (first == EndOfInput)
        {
            throw new ExpansionFailure("syntax error: missing '}'", dollarAt);
        }

        if (first is '{' or '}' or ':')
        {
            throw new ExpansionFailure("syntax error: bad substitution", dollarAt);
        }

        var name = ReadName();
        var operatorAt = pos;
        var op = ReadCodePoint();
        switch (op)
        {
            case EndOfInput:
                throw new ExpansionFailure("syntax error: missing '}'", dollarAt);
            case '}':
                if (Lookup(name, out var value))
                {
                    AppendValue(value, dollarAt);
                }
                else if (lexer.SkipUnsetEnv)
                {
                    output.Append("${").Append(name).Append('}');
                }

                DeliverExpansion(frame, start);
                return;
            case ':':
                var second = ReadCodePoint();
                if (second == EndOfInput)
                {
                    throw new ExpansionFailure("syntax error: missing '}'", dollarAt);
                }

                if (second is '#' or '%')
                {
                    throw Unsupported(input[operatorAt..pos], dollarAt);
                }

                var withColon = second switch
                {
                    '-' => Operation.UseDefault,
                    '+' => Operation.UseAlternative,
                    '?' => Operation.Require,
                    _ => Operation.Unsupported,
                };
                Open(new Substitution(frame, dollarAt, start, name, input[operatorAt..pos], withColon, nullIsUnset: true), '}', rawEscapes: false);
                return;
            case '-' or '+' or '?':
                var plain = op switch
                {
                    '-' => Operation.UseDefault,
                    '+' => Operation.UseAlternative,
                    _ => Operation.Require,
                };
                Open(new Substitution(frame, dollarAt, start, name, input[operatorAt..pos], plain, nullIsUnset: false), '}', rawEscapes: false);
                return;
            case '#' or '%':
                // Pattern words keep their escapes: the pattern syntax needs them.
                var trim = op == '#' ? Operation.TrimPrefix : Operation.TrimSuffix;
                Open(new Substitution(frame, dollarAt, start, name, input[operatorAt..pos], trim, nullIsUnset: false), '}', rawEscapes: true);
                return;
            case '/':
                if (Peek() == '/')
                {
                    pos++;
                }

                Open(new Substitution(frame, dollarAt, start, name, input[operatorAt..pos], Operation.Replace, nullIsUnset: false), '/', rawEscapes: true);
                return;
            default:
                throw Unsupported(input[operatorAt..pos], dollarAt);
        }
    }

    private void Open(Substitution substitution, int stop, bool rawEscapes)
    {
        substitution.IsSet = Lookup(substitution.Name, out var value);
        substitution.Value = value;
        if (lexer.SkipUnsetEnv && !substitution.IsSet)
        {
            // The whole substitution will be reproduced, so write its head now and let the
            // word(s) and the closing brace follow in place.
            // BuildKit writes a replacement back with a single '/', even when it was '//'.
            substitution.KeepLiteral = true;
            var shownOperator = substitution.Operation == Operation.Replace ? "/" : substitution.OperatorText;
            output.Append("${").Append(substitution.Name).Append(shownOperator);
        }

        frames.Add(new Frame(FrameKind.Operand, stop, rawEscapes, substitution.DollarAt, output.Length, substitution));
    }

    // Reads a parameter name: a run of digits (positional), one special character
    // (@ * # ? - $ ! 0), or letters, digits and underscores not starting with a digit.
    private string ReadName()
    {
        var start = pos;
        if (pos >= input.Length)
        {
            return string.Empty;
        }

        var first = CodePoints.At(input, pos, out var width);
        if (CodePoints.IsDigit(first))
        {
            while (pos < input.Length && CodePoints.IsDigit(CodePoints.At(input, pos, out width)))
            {
                pos += width;
            }

            return input[start..pos];
        }

        if (first is '@' or '*' or '#' or '?' or '-' or '$' or '!' or '0')
        {
            pos++;
            return input[start..pos];
        }

        while (pos < input.Length)
        {
            var c = CodePoints.At(input, pos, out width);
            if (!CodePoints.IsLetter(c) && !CodePoints.IsDigit(c) && c != '_')
            {
                break;
            }

            pos += width;
        }

        return input[start..pos];
    }

    private int ReadCodePoint()
    {
        if (pos >= input.Length)
        {
            return EndOfInput;
        }

        var codePoint = CodePoints.At(input, pos, out var width);
        pos += width;
        return codePoint;
    }

    private bool Lookup(string name, out string value)
    {
        if (env.TryGetValue(name, out var found))
        {
            matched?.Add(name);
            value = found;
            return true;
        }

        unmatched?.Add(name);
        value = string.Empty;
        return false;
    }

    private static ExpansionFailure Unsupported(string operatorText, int dollarAt) =>
        new($"unsupported modifier ({operatorText}) in substitution", dollarAt);

    private static ExpansionFailure TooLong(int dollarAt) =>
        new($"expanded text would exceed {MaxResultLength} characters", dollarAt);
}
