using ImageBuilder.Application;

namespace ImageBuilder.Cli.Commands;

/// <summary>
/// <c>--ssh ID[=SOCKET|KEY[,KEY…]]</c> as docker buildx takes it (repeatable): ID alone (most often
/// <c>default</c>) is the agent of <c>$SSH_AUTH_SOCK</c>.
/// </summary>
internal static class SshOptions
{
    public static List<SshAgentSpec> Read(IReadOnlyList<string> items)
    {
        var specs = new List<SshAgentSpec>();
        foreach (var item in items)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            var id = equals < 0 ? item : item[..equals];
            if (id.Length == 0)
            {
                throw new UsageException($"build: --ssh {item} needs an id (default, or the id= a RUN --mount=type=ssh names)");
            }

            if (specs.Any(s => s.Id == id))
            {
                throw new UsageException($"build: --ssh {id} is given twice");
            }

            var paths = equals < 0 ? [] : item[(equals + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries);
            if (paths.Length == 0)
            {
                paths = [Environment.GetEnvironmentVariable("SSH_AUTH_SOCK") is { Length: > 0 } socket ? socket : throw new UsageException(
                    $"build: --ssh {id}: SSH_AUTH_SOCK is not set; start an agent (eval \"$(ssh-agent)\"; ssh-add) or name its socket or a key: --ssh {id}=PATH")];
            }

            specs.Add(new SshAgentSpec(id, paths.Select(Path.GetFullPath).ToList()));
        }

        return specs;
    }
}
