using System.Text;
using ImageBuilder.Build.Engine;

namespace ImageBuilder.Application;

/// <summary>Steps of a service's own (pulling, naming, exporting, pushing) shown like build steps, with their lines as output.</summary>
public static class ProgressNotes
{
    public static void Note(this IBuildProgress progress, string title, IEnumerable<string> lines)
    {
        var step = progress.Start(title);
        foreach (var line in lines)
        {
            progress.Output(step, Encoding.UTF8.GetBytes(line + "\n"));
        }

        progress.Done(step);
    }

    /// <summary>A log callback that collects lines (from parallel transfers) for one note.</summary>
    internal static Action<string> Collect(List<string> lines) => line =>
    {
        lock (lines)
        {
            lines.Add(line);
        }
    };
}
