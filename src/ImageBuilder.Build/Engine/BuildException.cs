using ImageBuilder.Dockerfile;

namespace ImageBuilder.Build.Engine;

/// <summary>
/// A build that failed at a step: one located diagnostic (<c>Dockerfile:12:1: IB2004: RUN exited
/// with code 3</c>) and, for RUN, the last lines the step printed.
/// </summary>
public sealed class BuildException(Diagnostic diagnostic, IReadOnlyList<string>? lastOutput = null, Exception? inner = null)
    : Exception(diagnostic.Message, inner)
{
    public Diagnostic Diagnostic { get; } = diagnostic;

    public IReadOnlyList<string> LastOutput { get; } = lastOutput ?? [];
}
