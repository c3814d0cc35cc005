"""``python -m bench run [--quick] [--only NAME[,NAME...]] [--reuse-db]`` (docs/benchmarks.md)."""

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the services, measure, write the report")
    run.add_argument("--quick", action="store_true",
                     help="small sizes (1k and 100k devices, 64 MiB files, short loads, 2 short peer rounds): "
                          "writes bench/out/quick/benchmarks.md")
    run.add_argument("--only", default="", help="comma-separated benchmark names; the others keep their last results")
    run.add_argument("--reuse-db", action="store_true",
                     help="keep the benchmark database of the last run instead of starting from an empty one")
    commands.add_parser("list", help="list the benchmarks")
    render = commands.add_parser("render", help="write the report again from the last stored results")
    render.add_argument("--quick", action="store_true", help="the quick run's report")
    arguments = parser.parse_args(argv)

    from bench import runner
    from bench.benchmarks import ALL

    if arguments.command == "list":
        for cls in ALL:
            print(f"{cls.name:14} {cls.title}")
        return 0
    if arguments.command == "render":
        print(f"bench: wrote {runner.render_report(runner.QUICK if arguments.quick else runner.FULL)}")
        return 0
    only = {name.strip() for name in arguments.only.split(",") if name.strip()}
    unknown = only - {cls.name for cls in ALL}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; see `python -m bench list`")
    target = runner.run(runner.QUICK if arguments.quick else runner.FULL, only or None, reuse_db=arguments.reuse_db)
    print(f"bench: wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
