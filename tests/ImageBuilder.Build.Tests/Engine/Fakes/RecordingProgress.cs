using System.Collections.Concurrent;
using System.Text;
using ImageBuilder.Build.Engine;

namespace ImageBuilder.Build.Tests.Engine.Fakes;

/// <summary>Progress that keeps what the engine reported: step titles as started, cached, done or failed, and their output.</summary>
internal sealed class RecordingProgress : IBuildProgress
{
    private int next;

    public ConcurrentQueue<string> Started { get; } = new();

    public ConcurrentQueue<string> CachedSteps { get; } = new();

    public ConcurrentQueue<string> DoneSteps { get; } = new();

    public ConcurrentQueue<(string Title, string Message)> FailedSteps { get; } = new();

    public ConcurrentDictionary<string, StringBuilder> Outputs { get; } = new();

    public StepHandle Start(string title)
    {
        Started.Enqueue(title);
        return new StepHandle(Interlocked.Increment(ref next), title);
    }

    public void Cached(StepHandle step) => CachedSteps.Enqueue(step.Title);

    /// <summary>Each step that missed with its reason (title, reason).</summary>
    public ConcurrentQueue<(string Title, string Reason)> Misses { get; } = new();

    public void Missed(StepHandle step, string reason) => Misses.Enqueue((step.Title, reason));

    public void Output(StepHandle step, ReadOnlySpan<byte> data)
    {
        var text = Encoding.UTF8.GetString(data);
        var output = Outputs.GetOrAdd(step.Title, _ => new StringBuilder());
        lock (output)
        {
            output.Append(text);
        }
    }

    public void Done(StepHandle step) => DoneSteps.Enqueue(step.Title);

    public void Failed(StepHandle step, string message) => FailedSteps.Enqueue((step.Title, message));
}
