using System.Collections.Concurrent;
using ImageBuilder.Build.Context;
using ImageBuilder.Build.Copying;
using ImageBuilder.Build.Engine;

namespace ImageBuilder.Build.Tests.Engine.Fakes;

/// <summary>
/// File work without mounts or owners: COPY writes plain files (owned by whoever runs the tests)
/// into the upper dir, reading sources from the source directory or, for COPY --from, from the
/// source layers top first; WORKDIR makes the directory there. Users other than
/// <see cref="KnownUsers"/> are unknown. Every request is recorded.
/// </summary>
internal sealed class FakeFileWork : IFileWork
{
    public ISet<string> KnownUsers { get; } = new HashSet<string> { "root", "0", "app", "1000", "1000:1000", "app:app" };

    public ConcurrentQueue<CopyRequest> Copies { get; } = new();

    public ConcurrentQueue<(string Path, string? User)> Directories { get; } = new();

    public ConcurrentQueue<(string Path, int Uid, int Gid)> Owners { get; } = new();

    public Task<bool> MakeDirectoryAsync(StepRoot root, string path, string? user)
    {
        Directories.Enqueue((path, user));
        RequireKnown(user);
        var full = InUpper(root, path);
        if (Ancestors(root, path).Any(File.Exists))
        {
            return Task.FromResult(false);
        }

        Directory.CreateDirectory(full);
        return Task.FromResult(true);
    }

    public Task CopyAsync(StepRoot root, CopyRequest request)
    {
        Copies.Enqueue(request);
        RequireKnown(request.Chown);
        var destination = request.Destination.StartsWith('/') ? request.Destination : $"{request.WorkingDirectory.TrimEnd('/')}/{request.Destination}";
        var intoDirectory = destination.EndsWith('/') || request.Sources.Count + request.Contents.Count > 1;
        foreach (var (name, data) in request.Contents)
        {
            Write(InUpper(root, intoDirectory ? destination + name : destination), data);
        }

        foreach (var source in request.Sources)
        {
            // A directory (of the source directory): its files, at any depth, under the destination.
            if (request.SourceDirectory is { } sourceDirectory && Path.Combine(sourceDirectory, source.TrimStart('/')) is var whole && Directory.Exists(whole))
            {
                foreach (var file in Directory.GetFiles(whole, "*", SearchOption.AllDirectories))
                {
                    Write(InUpper(root, $"{destination.TrimEnd('/')}/{Path.GetRelativePath(whole, file)}"), File.ReadAllText(file));
                }

                continue;
            }

            var from = Find(request, source) ?? throw new CopyException($"\"{source}\": not found");
            Write(InUpper(root, intoDirectory ? destination + Path.GetFileName(source) : destination), File.ReadAllText(from));
        }

        return Task.CompletedTask;
    }

    public void CopyContext(BuildContext context, string source, string target) =>
        File.Copy(Path.Combine(context.Root, source), Path.Combine(target, Path.GetFileName(source)));

    public void SetOwner(string path, int uid, int gid) => Owners.Enqueue((path, uid, gid));

    private static string? Find(CopyRequest request, string source)
    {
        var relative = source.TrimStart('/');
        var roots = request.SourceLayers ?? [request.SourceDirectory!];
        return roots.Select(r => Path.Combine(r, relative)).FirstOrDefault(p => File.Exists(p)
            && (request.IsExcluded is null || !request.IsExcluded(relative)));
    }

    private void RequireKnown(string? user)
    {
        if (user is { Length: > 0 } && !KnownUsers.Contains(user))
        {
            throw new UnknownUserException($"unable to find user {user}: no matching entries in passwd file");
        }
    }

    private static string InUpper(StepRoot root, string path) => Path.Combine(root.UpperDir, path.TrimStart('/'));

    /// <summary>The path and its parents in the upper dir and in every lower dir.</summary>
    private static IEnumerable<string> Ancestors(StepRoot root, string path)
    {
        var parts = path.Trim('/').Split('/');
        return root.LowerDirs.Prepend(root.UpperDir).SelectMany(dir => Enumerable.Range(1, parts.Length).Select(n => Path.Combine(dir, string.Join('/', parts[..n]))));
    }

    private static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
