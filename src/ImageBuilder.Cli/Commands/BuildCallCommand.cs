using System.IO.Abstractions;
using ImageBuilder.Application;
using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Checks;
using ImageBuilder.Dockerfile.Syntax;
using ImageBuilder.Planning;

namespace ImageBuilder.Cli.Commands;

/// <summary>
/// <c>ibuild build --call=check|outline|targets</c> (<see cref="BuildCall"/>): the answer printed to
/// standard output, errors located on standard error; nothing is built.
/// </summary>
internal sealed class BuildCallCommand(IFileSystem fileSystem, TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(BuildCall call, PlanOptions plan, string displayName, string text)
    {
        var lines = DiagnosticRenderer.SplitLines(text);
        try
        {
            if (call.Name == "check")
            {
                return await CheckAsync(displayName, text, plan);
            }

            var document = DockerfileParser.Parse(text);
            foreach (var warning in document.Warnings)
            {
                await stderr.WriteLineAsync($"{displayName}:{warning.Span.StartLine}: warning: {warning.Message}");
            }

            await stdout.WriteAsync(call switch
            {
                { Name: "outline", Json: true } => CallOutput.OutlineJson(BuildService.Outline(document, plan), text) + "\n",
                { Name: "outline" } => CallOutput.OutlineText(BuildService.Outline(document, plan)),
                { Json: true } => CallOutput.TargetsJson(BuildService.Targets(document), text) + "\n",
                _ => CallOutput.TargetsText(BuildService.Targets(document)),
            });
            return CommandLineApp.Success;
        }
        catch (DockerfileException e)
        {
            await DiagnosticRenderer.WriteAllAsync(stderr, e.Diagnostics, displayName, lines, fileSystem);
            return CommandLineApp.Failure;
        }
    }

    /// <summary>
    /// What <c>ibuild check</c> validates, reported as buildx's <c>--call=check</c> ends: "Check complete, …";
    /// exit 1 when there is an error or a warning (buildx's status), the errors on standard error.
    /// </summary>
    private async Task<int> CheckAsync(string displayName, string text, PlanOptions plan)
    {
        var diagnostics = new List<Diagnostic>();
        var syntax = SyntaxParser.Parse(text, diagnostics);
        var report = BuildChecker.Run(syntax, CheckInputs.From(plan));
        await CheckReportRenderer.WriteAsync(stdout, report, displayName, DiagnosticRenderer.SplitLines(text));

        DockerfileParser.Parse(syntax, diagnostics);
        var count = report.Warnings.Count;
        await stdout.WriteLineAsync(count switch
        {
            0 => "Check complete, no warnings found.",
            1 => "Check complete, 1 warning has been found!",
            _ => $"Check complete, {count} warnings have been found!",
        });
        return count == 0 ? CommandLineApp.Success : CommandLineApp.Failure;
    }
}
