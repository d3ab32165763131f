return await Orleans.Monitor.Cli.CliApplication.RunAsync(args).ConfigureAwait(false);
