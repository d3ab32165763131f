using System.CommandLine;
using Orleans.Monitor.Bench.Latency;
using Orleans.Monitor.Bench.Scrape;

var url = new Option<string>("--url") { Description = "Base URL of the Api, e.g. http://127.0.0.1:5099", Required = true };
var container = new Option<string>("--container") { Description = "Id of the paused busy container to unpause", Required = true };
var trials = new Option<int>("--trials") { Description = "Number of trials", DefaultValueFactory = _ => 50 };
var threshold = new Option<double>("--threshold") { Description = "cpuPercent that counts as the change having arrived", DefaultValueFactory = _ => 20 };
var stream = new Option<string>("--stream") { Description = "Hub stream to watch: all (WatchAll) or container (WatchContainer)", DefaultValueFactory = _ => "all" };
var docker = new Option<string>("--docker") { Description = "docker CLI to pause/unpause with (DOCKER_HOST is inherited)", DefaultValueFactory = _ => "docker" };
var csv = new Option<FileInfo?>("--csv") { Description = "Write one line per trial here" };

var latency = new Command("latency", "Unpause a busy container at a known time; time the first sample over the threshold on the hub.")
{
    url, container, trials, threshold, stream, docker, csv,
};
latency.SetAction((result, cancellationToken) =>
{
    var settings = new LatencySettings(
        new Uri(result.GetRequiredValue(url)),
        result.GetRequiredValue(container),
        result.GetValue(trials),
        result.GetValue(threshold),
        result.GetValue(stream) == "container",
        result.GetRequiredValue(docker),
        result.GetValue(csv));
    return LatencyTrials.RunAsync(settings, Console.Out, cancellationToken);
});

var counts = new Option<string>("--counts") { Description = "Container counts to measure, space separated", DefaultValueFactory = _ => "200 1000" };
var scrapes = new Option<int>("--scrapes") { Description = "Measured scrapes per exposition and count", DefaultValueFactory = _ => 100 };
var warmup = new Option<int>("--warmup") { Description = "Scrapes before measuring", DefaultValueFactory = _ => 30 };
var dump = new Option<DirectoryInfo?>("--dump") { Description = "Write the last scrape of each exposition into this folder" };
var scrape = new Command("scrape", "Scrape cost and size of the Prometheus exposition at N synthetic containers, against the OpenTelemetry exporter and a cAdvisor-style exposition.")
{
    counts, scrapes, warmup, dump,
};
scrape.SetAction((result, cancellationToken) =>
{
    var settings = new ScrapeSettings(
        [.. result.GetRequiredValue(counts).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, System.Globalization.CultureInfo.InvariantCulture))],
        result.GetValue(scrapes),
        result.GetValue(warmup),
        result.GetValue(dump));
    return ScrapeBench.RunAsync(settings, Console.Out, cancellationToken);
});

var root = new RootCommand("Orleans.Monitor benchmark probes (see bench/README.md).") { latency, scrape };
return await root.Parse(args).InvokeAsync();
