using System.IO.Abstractions;
using ImageBuilder.Application.Registries;

namespace ImageBuilder.Application;

/// <summary>
/// The composition root: one service per command family over one file system and one machine.
/// The command line makes it once (<see cref="ForThisMachine"/>) and calls one service per command.
/// </summary>
public sealed class ApplicationServices
{
    public ApplicationServices(IFileSystem fileSystem, IMachine machine, Func<Stream> standardOutput)
    {
        Stores = new StoreService(fileSystem, machine);
        Archives = new ArchiveService(Stores, machine);
        Registries = new RegistryService(Stores, machine);
        Runs = new RunService(Stores, machine);
        Builds = new BuildService(Stores, machine, new ExportService(machine, standardOutput));
        Graphs = new Graphs.GraphService(Stores, machine);
        Info = new InfoService(machine);
        Layers = new LayerReportService(Stores);
    }

    public StoreService Stores { get; }

    public ArchiveService Archives { get; }

    public RegistryService Registries { get; }

    public RunService Runs { get; }

    public BuildService Builds { get; }

    public Graphs.GraphService Graphs { get; }

    public InfoService Info { get; }

    public LayerReportService Layers { get; }

    /// <summary>The services over the real Linux machine; <paramref name="standardOutput"/> is where <c>--output type=tar,dest=-</c> writes.</summary>
    public static ApplicationServices ForThisMachine(IFileSystem fileSystem, Func<Stream> standardOutput) =>
        new(fileSystem, new LinuxMachine(), standardOutput);
}
