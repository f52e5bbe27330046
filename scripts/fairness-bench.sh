#!/usr/bin/env bash
# Times `serfiq fairness` on a synthetic scores table of N rows (default 1,000,000) with two
# grouping columns and one component, written as `serfiq score --components` would write it.
#   bash scripts/fairness-bench.sh [SERFIQ] [N] [DIR]
set -euo pipefail
serfiq=${1:-target/release/serfiq}
n=${2:-1000000}
dir=${3:-target/fairness-bench}
mkdir -p "$dir"
python3 - "$n" "$dir" <<'PY'
import random, sys
n, d = int(sys.argv[1]), sys.argv[2]
r = random.Random(25)
with open(f"{d}/scores.csv", "w") as s, open(f"{d}/groups.tsv", "w") as g:
    s.write("path,s,q,n,f,q100,LuminanceMean,LuminanceMean_raw,feedback\n")
    g.write("path\tsex\tage\n")
    for i in range(n):
        sex = "female" if r.random() < 0.3 else "male"
        age = r.choice(["18-30", "31-50", "51+", ""])
        sv = min(max(r.gauss(0.85 - (0.03 if sex == "female" else 0.0), 0.05), 0.0), 1.0)
        lum = r.gauss(50, 10)
        s.write(f"/data/enrol/{i // 1000:04d}/img{i:07d}.jpg,{sv:.6f},0.5,20,{r.gauss(0, 1):.6f},"
                f"{min(max((sv - 0.7) * 400, 0), 100):.4f},{lum:.3f},{lum * 2:.3f},\n")
        g.write(f"{i // 1000:04d}/img{i:07d}.jpg\t{sex}\t{age}\n")
PY
echo "== $n rows: $(du -h "$dir/scores.csv" | cut -f1) of scores, $(du -h "$dir/groups.tsv" | cut -f1) of labels"
/usr/bin/time -f "serfiq fairness: %e s wall, %M KiB peak memory" \
    "$serfiq" fairness "$dir/scores.csv" "$dir/groups.tsv" --json "$dir/fairness.json" > "$dir/table.txt"
