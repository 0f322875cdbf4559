using System.Text;
using ImageBuilder.Build.Engine;

namespace ImageBuilder.Build.Tests.Engine.Fakes;

/// <summary>What one fake command does; set up with the fluent methods before the build.</summary>
internal sealed class FakeCommand
{
    private readonly List<(string Path, string Content)> files = [];
    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource canceled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string output = "";
    private int exitCode;
    private int? signal;
    private bool oomKilled;
    private string? setupError;
    private StepSetupFailure setupFailure;
    private string? setupHint;
    private bool blocks;
    private Task waitFor = Task.CompletedTask;

    /// <summary>Completes when the command starts.</summary>
    public Task Started => started.Task;

    /// <summary>Completes when a blocking command saw its cancellation.</summary>
    public Task Canceled => canceled.Task;

    public FakeCommand Writes(string path, string content)
    {
        files.Add((path, content));
        return this;
    }

    public FakeCommand Prints(string text)
    {
        output += text;
        return this;
    }

    public FakeCommand Exits(int code, int? killedBy = null, bool oom = false)
    {
        exitCode = code;
        signal = killedBy;
        oomKilled = oom;
        return this;
    }

    public FakeCommand CannotStart(string message, StepSetupFailure reason = StepSetupFailure.Sandbox, string? hint = null)
    {
        setupError = message;
        setupFailure = reason;
        setupHint = hint;
        return this;
    }

    /// <summary>The command waits (after writing and printing) until <see cref="Release"/> or its cancellation.</summary>
    public FakeCommand Blocks()
    {
        blocks = true;
        return this;
    }

    public void Release() => release.TrySetResult();

    /// <summary>The command ends only after <paramref name="other"/> completes (e.g. another command started).</summary>
    public FakeCommand After(Task other)
    {
        waitFor = other;
        return this;
    }

    internal async Task<StepExit> RunAsync(StepProcess process, Stream stdout, CancellationToken cancellationToken)
    {
        started.TrySetResult();
        if (setupError is not null)
        {
            throw new StepSetupException(setupError) { Reason = setupFailure, Hint = setupHint };
        }

        foreach (var (path, content) in files)
        {
            var full = Path.Combine(process.Root.UpperDir, path.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content, CancellationToken.None);
        }

        await stdout.WriteAsync(Encoding.UTF8.GetBytes(output), CancellationToken.None);
        await waitFor.WaitAsync(cancellationToken);
        if (blocks)
        {
            try
            {
                await release.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                canceled.TrySetResult();
                throw;
            }
        }

        return new StepExit(exitCode, signal, oomKilled);
    }
}
