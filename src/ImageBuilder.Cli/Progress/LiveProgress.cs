using System.Diagnostics;
using System.Globalization;
using System.Text;
using ImageBuilder.Build.Engine;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ImageBuilder.Cli.Progress;

/// <summary>
/// The live view for a terminal (Spectre.Console): a header with the elapsed time and steps
/// done, one line per step (running ones with their last output lines under them), redrawn in
/// place ten times a second. Colors follow the terminal and NO_COLOR.
/// </summary>
internal sealed class LiveProgress : IBuildProgress, IAsyncDisposable
{
    private const int OutputLinesShown = 6;
    private readonly object gate = new();
    private readonly List<StepView> steps = [];
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private int next;

    public LiveProgress(IAnsiConsole console)
    {
        loop = console.Live(Render()).AutoClear(false).StartAsync(async context =>
        {
            while (!stop.IsCancellationRequested)
            {
                context.UpdateTarget(Render());
                try
                {
                    await Task.Delay(100, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }

            context.UpdateTarget(Render());
        });
    }

    /// <summary>A console on stderr, where build progress goes (stdout is for the image id and exported archives).</summary>
    public static IAnsiConsole ErrorConsole() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public StepHandle Start(string title)
    {
        lock (gate)
        {
            var step = new StepHandle(++next, title);
            steps.Add(new StepView(step));
            return step;
        }
    }

    public void Cached(StepHandle step) => Finish(step, StepState.Cached, null);

    public void Done(StepHandle step) => Finish(step, StepState.Done, null);

    public void Failed(StepHandle step, string message) => Finish(step, StepState.Failed, message);

    public void Missed(StepHandle step, string reason)
    {
        lock (gate)
        {
            if (Find(step) is { } view)
            {
                view.MissReason = reason;
            }
        }
    }

    public void Output(StepHandle step, ReadOnlySpan<byte> data)
    {
        var text = Encoding.UTF8.GetString(data);
        lock (gate)
        {
            if (Find(step) is { } view)
            {
                view.Append(text, OutputLinesShown);
            }
        }
    }

    /// <summary>Draws the last frame and stops; later calls do nothing (errors are printed after it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (stop.IsCancellationRequested)
        {
            return;
        }

        await stop.CancelAsync();
        await loop;
    }

    private void Finish(StepHandle step, StepState state, string? message)
    {
        lock (gate)
        {
            if (Find(step) is { } view)
            {
                view.Finish(state, message);
            }
        }
    }

    private StepView? Find(StepHandle step) => steps.FirstOrDefault(s => s.Handle.Number == step.Number);

    private IRenderable Render()
    {
        lock (gate)
        {
            var done = steps.Count(s => s.State != StepState.Running);
            var rows = new List<IRenderable>
            {
                new Markup($"[bold][[+]] Building {Seconds(clock.Elapsed)} ({done}/{steps.Count})[/]"),
            };
            foreach (var step in steps)
            {
                rows.Add(new Markup(step.Line()));
                if (step.State is StepState.Running or StepState.Failed)
                {
                    rows.AddRange(step.Tail.Select(line => new Text("    " + line, new Style(decoration: Decoration.Dim))));
                }
            }

            return new Rows(rows);
        }
    }

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";

    private enum StepState
    {
        Running,
        Cached,
        Done,
        Failed,
    }

    private sealed class StepView(StepHandle handle)
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly StringBuilder partial = new();

        public StepHandle Handle => handle;

        public StepState State { get; private set; } = StepState.Running;

        public List<string> Tail { get; } = [];

        private string? Message { get; set; }

        /// <summary>Why the step runs again, shown under its title.</summary>
        public string? MissReason { get; set; }

        public void Append(string text, int keep)
        {
            partial.Append(text);
            var all = partial.ToString();
            var lines = all.Split('\n');
            partial.Clear().Append(lines[^1]);
            Tail.AddRange(lines[..^1].Select(l => l.TrimEnd('\r')));
            if (Tail.Count > keep)
            {
                Tail.RemoveRange(0, Tail.Count - keep);
            }
        }

        public void Finish(StepState state, string? message)
        {
            clock.Stop();
            State = state;
            Message = message;
        }

        public string Line()
        {
            var title = Markup.Escape(handle.Title);
            var line = State switch
            {
                StepState.Cached => $" [green]=>[/] CACHED {title}",
                StepState.Done => $" [green]=>[/] {title} [grey]{Seconds(clock.Elapsed)}[/]",
                StepState.Failed => $" [red]=> ERROR[/] {title} [grey]{Seconds(clock.Elapsed)}[/]" + (Message is null ? "" : $"\n    [red]{Markup.Escape(Message)}[/]"),
                _ => $" [blue]=>[/] {title} [grey]{Seconds(clock.Elapsed)}[/]",
            };
            return MissReason is null || State == StepState.Cached ? line : line + $"\n    [yellow]cache miss: {Markup.Escape(MissReason)}[/]";
        }
    }
}
