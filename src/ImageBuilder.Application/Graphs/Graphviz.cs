using System.Diagnostics;
using ImageBuilder.Linux;

namespace ImageBuilder.Application.Graphs;

/// <summary>Graphviz's <c>dot</c>, run on a DOT text: what it writes in another format (svg, png).</summary>
public static class Graphviz
{
    /// <exception cref="GraphvizException">dot is not on PATH, or it exits with an error.</exception>
    public static async Task<string> RenderAsync(string dot, string format, CancellationToken cancellationToken)
    {
        var program = ProgramPath.Find("dot")
            ?? throw new GraphvizException("Graphviz's dot is not installed (it draws --format svg)",
                "install it (Debian: apt-get install graphviz), or use --format dot or mermaid");
        var start = new ProcessStartInfo(program, ["-T" + format])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new GraphvizException($"{program} could not be started", null);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(dot.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new GraphvizException($"{program} -T{format} failed (exit {process.ExitCode}): {(await errors).Trim()}", "check the Graphviz installation (dot -V)");
        }

        return await output;
    }
}

/// <summary>Graphviz could not draw the graph: <see cref="Exception.Message"/> says why, <see cref="Hint"/> what to do.</summary>
public sealed class GraphvizException(string message, string? hint) : Exception(message)
{
    public string? Hint { get; } = hint;
}
