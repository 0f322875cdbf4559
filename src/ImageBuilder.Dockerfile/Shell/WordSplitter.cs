using System.Text;

namespace ImageBuilder.Dockerfile.Shell;

/// <summary>
/// Collects the words of <see cref="ShellLexer.ProcessWords"/>. Text added as "split"
/// breaks at whitespace; text added as "raw" (quoted or escaped) never does. A word is only
/// emitted when it has characters, so an empty quoted string on its own yields no word.
/// </summary>
internal sealed class WordSplitter
{
    private readonly List<string> words = [];
    private readonly StringBuilder current = new();
    private bool inWord;

    public void AddSplit(char c)
    {
        if (!char.IsWhiteSpace(c))
        {
            AddRaw(c);
        }
        else if (inWord && current.Length != 0)
        {
            words.Add(current.ToString());
            current.Clear();
            inWord = false;
        }
    }

    public void AddRaw(char c)
    {
        current.Append(c);
        inWord = true;
    }

    public void AddSplit(string text)
    {
        foreach (var c in text)
        {
            AddSplit(c);
        }
    }

    public void AddRaw(string text)
    {
        current.Append(text);
        inWord = true;
    }

    public List<string> Finish()
    {
        if (current.Length > 0)
        {
            words.Add(current.ToString());
            current.Clear();
            inWord = false;
        }

        return words;
    }
}
