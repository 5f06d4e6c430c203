// kap-bench-replay-json: the JSON parsers replay could use, on the same
// lines, taking out the same fields (auditID, stage, level, verb,
// requestURI, user.username, user.groups, objectRef's fields, and where the
// requestObject and responseObject values are). Built only when Debian's
// libsimdjson-dev and libjansson-dev are installed; the README has the
// figures that chose libkap-replay's own scanner.
//
//   kap-bench-replay-json [LOG] [--mb N] [--runs R]
//   kap-bench-replay-json --inflate FILE.gz [--runs R]
//
// --inflate: the gzip inflaters libkap-replay could use, on one file, in
// turn: zlib and ISA-L's igzip streaming through a 1 MiB buffer, libdeflate
// all at once (it has no streaming API: the whole member and its output in
// memory, which replay's bounded memory cannot afford).
//
// The lines are in memory (no I/O); each parser runs over all of them once
// per round, in turn, and the median of the rounds is shown.
// SPDX-License-Identifier: Apache-2.0
#include <simdjson.h>
#include <jansson.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "replay_internal.h"
}

namespace {

struct Line {
    size_t off, len;
};

std::string slurp(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

double now()
{
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// What every parser adds up, so that nothing is optimised away and the
// parsers can be compared: lengths of the fields taken, bodies found.
struct Sum {
    uint64_t ids = 0, strs = 0, groups = 0, bodies = 0, bad = 0;
    bool operator==(const Sum &o) const
    {
        return ids == o.ids && strs == o.strs && groups == o.groups && bodies == o.bodies && bad == o.bad;
    }
};

Sum run_own(const std::string &buf, const std::vector<Line> &lines)
{
    rp_scan s;
    memset(&s, 0, sizeof s);
    Sum sum;
    for (const Line &l : lines) {
        if (rp_scan_line(&s, buf.data() + l.off, l.len) != 0 || s.n_events != 1 || s.events[0].error) {
            sum.bad++;
            continue;
        }
        const rp_event &e = s.events[0];
        sum.ids += e.audit_id.n;
        sum.strs += e.verb.n + e.uri.n + e.user.n + e.resource.n + e.ns.n + e.name.n + e.api_group.n +
                    e.subresource.n + (size_t)e.stage + (size_t)e.level;
        sum.groups += e.n_groups;
        sum.bodies += e.n_cuts;
    }
    rp_scan_free(&s);
    return sum;
}

Sum run_simdjson(const std::string &padded, const std::vector<Line> &lines)
{
    using namespace simdjson;
    ondemand::parser parser;
    Sum sum;
    for (const Line &l : lines) {
        padded_string_view v(padded.data() + l.off, l.len, padded.size() - l.off);
        ondemand::document doc;
        if (parser.iterate(v).get(doc)) {
            sum.bad++;
            continue;
        }
        ondemand::object obj;
        if (doc.get_object().get(obj)) {
            sum.bad++;
            continue;
        }
        bool bad = false;
        for (auto field : obj) {
            std::string_view key;
            if (field.unescaped_key().get(key)) {
                bad = true;
                break;
            }
            ondemand::value val = field.value();
            std::string_view s;
            if (key == "auditID") {
                if (val.get_string().get(s)) { bad = true; break; }
                sum.ids += s.size();
            } else if (key == "stage" || key == "level" || key == "verb" || key == "requestURI") {
                if (val.get_string().get(s)) { bad = true; break; }
                if (key == "stage" || key == "level")
                    sum.strs += 0;
                sum.strs += key == "verb" || key == "requestURI" ? s.size() : 0;
            } else if (key == "user") {
                ondemand::object u;
                if (val.get_object().get(u)) { bad = true; break; }
                for (auto uf : u) {
                    std::string_view uk;
                    if (uf.unescaped_key().get(uk)) { bad = true; break; }
                    if (uk == "username") {
                        if (uf.value().get_string().get(s)) { bad = true; break; }
                        sum.strs += s.size();
                    } else if (uk == "groups") {
                        ondemand::array a;
                        if (uf.value().get_array().get(a)) { bad = true; break; }
                        for (auto g : a) {
                            if (g.get_string().get(s)) { bad = true; break; }
                            sum.groups++;
                        }
                    }
                }
            } else if (key == "objectRef") {
                ondemand::object r;
                if (val.get_object().get(r)) { bad = true; break; }
                for (auto rf : r) {
                    std::string_view rk;
                    if (rf.unescaped_key().get(rk)) { bad = true; break; }
                    if (rk == "resource" || rk == "namespace" || rk == "name" || rk == "apiGroup" ||
                        rk == "subresource") {
                        if (rf.value().get_string().get(s)) { bad = true; break; }
                        sum.strs += s.size();
                    }
                }
            } else if (key == "requestObject" || key == "responseObject") {
                std::string_view raw; // where it is: what --write needs
                ondemand::json_type ty;
                if (val.type().get(ty)) { bad = true; break; }
                if (ty == ondemand::json_type::object) {
                    ondemand::object o;
                    if (val.get_object().get(o) || o.raw_json().get(raw)) { bad = true; break; }
                } else if (ty == ondemand::json_type::array) {
                    ondemand::array a;
                    if (val.get_array().get(a) || a.raw_json().get(raw)) { bad = true; break; }
                } else {
                    raw = val.raw_json_token();
                }
                sum.bodies++;
            }
        }
        if (bad)
            sum.bad++;
    }
    return sum;
}

Sum run_jansson(const std::string &buf, const std::vector<Line> &lines)
{
    Sum sum;
    for (const Line &l : lines) {
        json_error_t err;
        json_t *root = json_loadb(buf.data() + l.off, l.len, JSON_DECODE_INT_AS_REAL, &err);
        if (!root || !json_is_object(root)) {
            sum.bad++;
            json_decref(root);
            continue;
        }
        const char *k;
        json_t *v;
        json_object_foreach(root, k, v)
        {
            if (!strcmp(k, "auditID"))
                sum.ids += json_string_length(v);
            else if (!strcmp(k, "verb") || !strcmp(k, "requestURI"))
                sum.strs += json_string_length(v);
            else if (!strcmp(k, "user")) {
                sum.strs += json_string_length(json_object_get(v, "username"));
                sum.groups += json_array_size(json_object_get(v, "groups"));
            } else if (!strcmp(k, "objectRef")) {
                for (const char *f : {"resource", "namespace", "name", "apiGroup", "subresource"})
                    sum.strs += json_string_length(json_object_get(v, f));
            } else if (!strcmp(k, "requestObject") || !strcmp(k, "responseObject"))
                sum.bodies++; // jansson cannot say where: --write would re-serialise
        }
        json_decref(root);
    }
    return sum;
}

size_t inflate_zlib(const std::string &gz)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    inflateInit2(&zs, 15 + 16);
    static unsigned char out[1 << 20];
    size_t total = 0;
    zs.next_in = (Bytef *)gz.data();
    zs.avail_in = (uInt)gz.size();
    while (zs.avail_in) {
        zs.next_out = out;
        zs.avail_out = sizeof out;
        int rc = inflate(&zs, Z_NO_FLUSH);
        total += sizeof out - zs.avail_out;
        if (rc == Z_STREAM_END)
            inflateReset(&zs);
        else if (rc != Z_OK)
            break;
    }
    inflateEnd(&zs);
    return total;
}

size_t inflate_isal(const std::string &gz)
{
    static struct inflate_state st;
    static unsigned char out[1 << 20];
    size_t total = 0, pos = 0;
    while (pos < gz.size()) {
        isal_inflate_init(&st);
        st.crc_flag = ISAL_GZIP;
        st.next_in = (uint8_t *)gz.data() + pos;
        st.avail_in = (uint32_t)(gz.size() - pos);
        while (st.block_state != ISAL_BLOCK_FINISH) {
            st.next_out = out;
            st.avail_out = sizeof out;
            if (isal_inflate(&st) < 0)
                return total;
            total += sizeof out - st.avail_out;
        }
        pos = gz.size() - st.avail_in;
    }
    return total;
}

size_t inflate_libdeflate(const std::string &gz, std::string &out)
{
    libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    size_t total = 0, in_pos = 0;
    while (in_pos < gz.size()) {
        // the member's size, from its trailer: only right for one member < 4 GiB
        uint32_t isize;
        memcpy(&isize, gz.data() + gz.size() - 4, 4);
        out.resize(isize ? isize : 1);
        size_t in_used = 0, got = 0;
        if (libdeflate_gzip_decompress_ex(d, gz.data() + in_pos, gz.size() - in_pos, &out[0], out.size(), &in_used,
                                          &got) != LIBDEFLATE_SUCCESS)
            break;
        total += got;
        in_pos += in_used;
    }
    libdeflate_free_decompressor(d);
    return total;
}

int inflaters(const std::string &path, int runs)
{
    std::string gz = slurp(path), big;
    std::vector<double> t[3];
    size_t sizes[3] = {0, 0, 0};
    for (int r = 0; r < runs; r++)
        for (int k = 0; k < 3; k++) {
            double t0 = now();
            sizes[k] = k == 0 ? inflate_zlib(gz) : k == 1 ? inflate_isal(gz) : inflate_libdeflate(gz, big);
            t[k].push_back(now() - t0);
        }
    const char *names[] = {"zlib (streaming)", "ISA-L igzip (streaming)", "libdeflate (whole member)"};
    printf("%s: %.1f MB compressed, %d rounds\n", path.c_str(), gz.size() / 1e6, runs);
    for (int k = 0; k < 3; k++) {
        std::sort(t[k].begin(), t[k].end());
        double med = t[k][t[k].size() / 2];
        printf("%-28s %8.0f MB/s of output  (%zu bytes)\n", names[k], sizes[k] / 1e6 / med, sizes[k]);
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--inflate")) {
            int runs = 5;
            for (int j = 1; j + 1 < argc; j++)
                if (!strcmp(argv[j], "--runs"))
                    runs = atoi(argv[j + 1]);
            return inflaters(argv[i + 1], runs);
        }
    std::string path;
    double mb = 100;
    int runs = 5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mb") && i + 1 < argc)
            mb = atof(argv[++i]);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else
            path = argv[i];
    }
    std::string one;
    if (path.empty()) {
        for (const char *n : {"audit2rbac-demo-original-v1beta1.jsonl", "audit2rbac-demo.jsonl",
                              "crowdsec-hub-k8s-audit.jsonl", "falco-psp-trace-files.jsonl", "falco-trace-files.jsonl",
                              "immudb-log-audit-k8s.jsonl", "panther-analysis-eks-tests.jsonl"}) {
            one += slurp(std::string(KAP_REPLAY_LOGS) + "/" + n);
            if (!one.empty() && one.back() != '\n')
                one += '\n';
        }
    } else {
        one = slurp(path);
    }
    std::string buf;
    while (buf.size() < mb * 1e6)
        buf += one;
    std::string padded = buf + std::string(simdjson::SIMDJSON_PADDING, ' ');
    std::vector<Line> lines;
    for (size_t p = 0; p < buf.size();) {
        size_t e = buf.find('\n', p);
        if (e == std::string::npos)
            e = buf.size();
        if (e > p)
            lines.push_back({p, e - p});
        p = e + 1;
    }
    printf("%zu lines, %.1f MB in memory, %d rounds; simdjson %s (%s), jansson %s\n", lines.size(), buf.size() / 1e6,
           runs, "3.x", simdjson::get_active_implementation()->name().c_str(), JANSSON_VERSION);
    const char *names[] = {"own scanner (validating)", "simdjson On-Demand", "jansson (tree)"};
    std::vector<double> t[3];
    Sum sums[3];
    for (int r = 0; r < runs; r++)
        for (int k = 0; k < 3; k++) {
            double t0 = now();
            sums[k] = k == 0 ? run_own(buf, lines) : k == 1 ? run_simdjson(padded, lines) : run_jansson(buf, lines);
            t[k].push_back(now() - t0);
        }
    for (int k = 0; k < 3; k++) {
        std::sort(t[k].begin(), t[k].end());
        double med = t[k][t[k].size() / 2];
        printf("%-28s %8.0f MB/s  %7.1f ns/line   (ids %llu, groups %llu, bodies %llu, bad %llu)\n", names[k],
               buf.size() / 1e6 / med, med * 1e9 / lines.size(), (unsigned long long)sums[k].ids,
               (unsigned long long)sums[k].groups, (unsigned long long)sums[k].bodies,
               (unsigned long long)sums[k].bad);
    }
    return 0;
}
