/*
 * image/push.c - upload an OCI layout's image to a registry; see push.h.
 *
 * Every call goes through registry_client_request() with the "pull,push" actions, so the
 * first 401 brings one token that serves the whole push. A failure names the exchange (method,
 * URL without its query, status, the registry's error code) and, for 401/403, whose
 * credentials were used: the two questions anyone debugging a push asks first.
 */
#include "image/push.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/client.h"
#include "registry/creds.h"
#include "registry/ref.h"

#define DEFAULT_TIMEOUT_MS 120000
#define MANIFEST_MAX (4 * 1024 * 1024)
#define REPLY_MAX (64 * 1024)

struct push {
	const struct image_push_opts *o;
	struct image_push_result *res;
	struct ref ref;
	struct registry_creds creds;
	struct registry_client cl;
	int cl_ready;
	int may_fall_back, fell_back;
	struct ds_buf manifest; /* the manifest's bytes, as in the layout */
	char manifest_type[128];
};

void image_push_result_release(struct image_push_result *r)
{
	free(r->normalized);
	free(r->creds_source);
	memset(r, 0, sizeof(*r));
}

static void progress(struct push *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(struct push *p, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!p->o->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p->o->progress(p->o->progress_ctx, line);
}

/* "sha256:0123456789ab" for messages. */
static const char *short_digest(const char *d, char out[24])
{
	snprintf(out, 24, "%.19s", d);
	return out;
}

/* --- reading the layout ------------------------------------------------------------------- */

static int read_file(const char *path, size_t max, struct ds_buf *out, struct ds_error *e)
{
	char chunk[8192];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return ds_error_errno(e, errno, "open '%s'", path);
	ds_buf_init(out, max);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (ds_buf_add(out, chunk, n)) {
			fclose(f);
			return ds_error_set(e, 0, "'%s' is larger than %zu bytes", path, max);
		}
	}
	fclose(f);
	return 0;
}

/* The manifest descriptor of index.json: the one named ref_name, or the only one. */
static int find_manifest(struct push *p, char digest[IMAGE_DIGEST_MAX], struct ds_error *e)
{
	char path[4096];
	json_error_t je;
	json_t *idx, *list, *m = NULL;
	size_t i, n;
	int r = -1;

	snprintf(path, sizeof(path), "%s/index.json", p->o->layout_dir);
	idx = json_load_file(path, 0, &je);
	if (!idx)
		return ds_error_set(e, 0, "'%s' is not an OCI image layout: %s", p->o->layout_dir,
				    je.text);
	list = json_object_get(idx, "manifests");
	n = json_array_size(list);
	for (i = 0; i < n; i++) {
		json_t *d = json_array_get(list, i);
		const char *name = json_string_value(json_object_get(
			json_object_get(d, "annotations"), "org.opencontainers.image.ref.name"));

		if (p->o->ref_name ? (name && !strcmp(name, p->o->ref_name)) : n == 1)
			m = d;
	}
	if (!m) {
		if (p->o->ref_name)
			ds_error_set(e, 0, "'%s' holds no image named '%s'", path, p->o->ref_name);
		else
			ds_error_set(e, 0, "'%s' holds %zu images: say which (--from-tag)", path, n);
		goto out;
	}
	if (!json_is_string(json_object_get(m, "digest"))) {
		ds_error_set(e, 0, "'%s': a manifest descriptor has no digest", path);
		goto out;
	}
	snprintf(digest, IMAGE_DIGEST_MAX, "%s", json_string_value(json_object_get(m, "digest")));
	snprintf(p->manifest_type, sizeof(p->manifest_type), "%s",
		 json_string_value(json_object_get(m, "mediaType"))
			 ? json_string_value(json_object_get(m, "mediaType"))
			 : "application/vnd.oci.image.manifest.v1+json");
	r = 0;
out:
	json_decref(idx);
	return r;
}

/* --- talking to the registry --------------------------------------------------------------- */

/* The URL without its query: upload URLs carry opaque state nobody needs to read. */
static void url_for_message(const char *url, char *out, size_t n)
{
	size_t len = strcspn(url, "?");

	snprintf(out, n, "%.*s", (int)(len > 300 ? 300 : len), url);
}

static int fail_reply(struct push *p, const char *what, struct registry_reply *r,
		      struct ds_error *e)
{
	char url[320];
	long st = r->http.status;

	url_for_message(r->http.url ? r->http.url : "?", url, sizeof(url));
	if (st == 401 || st == 403) {
		const char *who = registry_creds_present(&p->creds)
					  ? (p->creds.origin ? p->creds.origin : "the given credentials")
					  : "none (anonymous)";

		return ds_error_set(e, (int)st,
				    "%s: %s %ld %s%s%s (credentials: %s%s%s%s); pushing needs an "
				    "account with write access to '%s'",
				    what, url, st, r->error_code ? r->error_code : "",
				    r->error_message ? ": " : "", r->error_message ? r->error_message : "",
				    p->creds.username ? "user '" : "", p->creds.username ? p->creds.username : "",
				    p->creds.username ? "' from " : "", who, p->ref.path);
	}
	return ds_error_set(e, (int)st, "%s: %s %ld %s%s%s%s", what, url, st,
			    r->stage == REGISTRY_STAGE_TOKEN ? "(token server) " : "",
			    r->error_code ? r->error_code : "", r->error_message ? ": " : "",
			    r->error_message ? r->error_message : "");
}

/* One call, with the plain-HTTP fallback a loopback registry (or --insecure) allows. */
static int call(struct push *p, struct registry_call *c, struct registry_reply *r,
		struct ds_error *e)
{
	int rc;

	c->repository = p->ref.path;
	c->actions = "pull,push";
	if (!c->max_body)
		c->max_body = REPLY_MAX;
	rc = registry_client_request(&p->cl, c, r, e);
	if (rc && p->may_fall_back && !p->fell_back && r->stage == REGISTRY_STAGE_REGISTRY &&
	    registry_error_is_plain_http_peer(e)) {
		char base[600];

		p->fell_back = 1;
		snprintf(base, sizeof(base), "http://%s", p->ref.domain);
		progress(p, "%s does not speak TLS: using plain HTTP", p->ref.domain);
		if (registry_client_rebase(&p->cl, base))
			return rc;
		ds_error_init(e);
		rc = registry_client_request(&p->cl, c, r, e);
	}
	return rc;
}

/* Whether the repository already has the blob: 1 yes, 0 no, -1 failure. */
static int blob_present(struct push *p, const char *digest, struct ds_error *e)
{
	char path[600];
	struct registry_call c = {.method = "HEAD", .path = path};
	struct registry_reply r;
	int rc;

	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", p->ref.path, digest);
	registry_reply_init(&r);
	rc = call(p, &c, &r, e);
	if (!rc) {
		if (r.http.status == 200)
			rc = 1;
		else if (r.http.status == 404)
			rc = 0;
		else
			rc = fail_reply(p, "checking for a blob", &r, e);
	}
	registry_reply_release(&r);
	return rc;
}

/* The upload URL a POST's Location names, made absolute. */
static char *upload_url(struct push *p, const struct registry_reply *r)
{
	const char *loc = http_response_header(&r->http, "Location");
	char *out;
	size_t n;

	if (!loc || !*loc)
		return NULL;
	if (!strncmp(loc, "http://", 7) || !strncmp(loc, "https://", 8))
		return strdup(loc);
	n = strlen(p->cl.base) + strlen(loc) + 2;
	out = malloc(n);
	if (out)
		snprintf(out, n, "%s%s%s", p->cl.base, loc[0] == '/' ? "" : "/", loc);
	return out;
}

/*
 * Start an upload session, mounting from a candidate repository first. Returns 1 when a
 * mount made the upload unnecessary, 0 with *url the session to PUT to, -1 on failure.
 */
static int start_upload(struct push *p, const char *digest, char **url, struct ds_error *e)
{
	struct registry_reply r;
	char path[1400];
	size_t i;
	int rc;

	*url = NULL;
	for (i = 0; i <= p->o->nmount_from; i++) {
		struct registry_call c = {.method = "POST", .path = path};
		struct ds_buf q = DS_BUF_INIT(1024);

		if (i < p->o->nmount_from) {
			ds_buf_addf(&q, "?mount=%s&from=", digest);
			http_buf_add_escaped(&q, p->o->mount_from[i]);
		}
		snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/%s", p->ref.path, ds_buf_str(&q));
		ds_buf_release(&q);
		registry_reply_init(&r);
		rc = call(p, &c, &r, e);
		if (rc) {
			registry_reply_release(&r);
			return -1;
		}
		if (r.http.status == 201 && i < p->o->nmount_from) {
			char d[24];

			progress(p, "blob %s: mounted from %s", short_digest(digest, d),
				 p->o->mount_from[i]);
			registry_reply_release(&r);
			return 1;
		}
		if (r.http.status == 202) {
			/* A refused mount still opens a session: use it rather than ask again. */
			*url = upload_url(p, &r);
			registry_reply_release(&r);
			if (!*url)
				return ds_error_set(e, 0, "POST %s: 202 without a Location", path);
			return 0;
		}
		rc = fail_reply(p, "starting an upload", &r, e);
		registry_reply_release(&r);
		return rc;
	}
	return ds_error_set(e, 0, "no upload session");
}

static int upload_blob(struct push *p, const char *digest, uint64_t size, struct ds_error *e)
{
	static const char *const headers[] = {"Content-Type: application/octet-stream", NULL};
	char *path = image_blob_path(p->o->layout_dir, digest), *url = NULL, d[24];
	struct registry_reply r;
	struct ds_buf put = DS_BUF_INIT(0);
	void *map = MAP_FAILED;
	struct stat st;
	int fd = -1, rc = -1, tries;

	registry_reply_init(&r);
	if (!path) {
		ds_error_set(e, 0, "out of memory");
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ds_error_errno(e, errno, "open blob '%s'", path);
		goto out;
	}
	if ((uint64_t)st.st_size != size) {
		ds_error_set(e, 0, "blob '%s' is %lld bytes, the manifest says %llu", path,
			     (long long)st.st_size, (unsigned long long)size);
		goto out;
	}
	if (st.st_size) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			ds_error_errno(e, errno, "mmap '%s'", path);
			goto out;
		}
	}
	/* A session a server error broke is not resumed: start a new one, once. */
	for (tries = 0; tries < 2; tries++) {
		struct registry_call c = {.method = "PUT", .headers = headers,
					  .body = map == MAP_FAILED ? "" : map,
					  .body_len = (size_t)st.st_size};
		int s = start_upload(p, digest, &url, e);

		if (s < 0)
			goto out;
		if (s > 0) {
			p->res->mounted++;
			rc = 0;
			goto out;
		}
		ds_buf_reset(&put);
		ds_buf_addf(&put, "%s%sdigest=%s", url, strchr(url, '?') ? "&" : "?", digest);
		c.path = ds_buf_str(&put);
		registry_reply_release(&r);
		if (call(p, &c, &r, e))
			goto out;
		free(url);
		url = NULL;
		if (r.http.status == 201 || r.http.status == 204) {
			const char *got = http_response_header(&r.http, "Docker-Content-Digest");

			if (got && strcmp(got, digest)) {
				ds_error_set(e, 0, "the registry stored blob %s as %s", digest, got);
				goto out;
			}
			p->res->uploaded++;
			p->res->bytes_uploaded += size;
			progress(p, "blob %s: uploaded %llu bytes", short_digest(digest, d),
				 (unsigned long long)size);
			rc = 0;
			goto out;
		}
		if (r.http.status < 500 || tries == 1) {
			fail_reply(p, "uploading a blob", &r, e);
			goto out;
		}
	}
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	registry_reply_release(&r);
	ds_buf_release(&put);
	free(url);
	free(path);
	return rc;
}

static int push_blob(struct push *p, json_t *desc, struct ds_error *e)
{
	const char *digest = json_string_value(json_object_get(desc, "digest"));
	json_int_t size = json_integer_value(json_object_get(desc, "size"));
	char d[24];
	int present;

	if (!digest || strncmp(digest, "sha256:", 7) || strlen(digest) != 71 || size < 0)
		return ds_error_set(e, 0, "the manifest names a blob without a sha256 digest and size");
	p->res->blobs++;
	present = blob_present(p, digest, e);
	if (present < 0)
		return -1;
	if (present) {
		p->res->present++;
		progress(p, "blob %s: already there", short_digest(digest, d));
		return 0;
	}
	return upload_blob(p, digest, (uint64_t)size, e);
}

static int put_manifest(struct push *p, const char *digest, struct ds_error *e)
{
	char ct[200], path[700];
	const char *headers[] = {ct, NULL};
	struct registry_call c = {.method = "PUT", .path = path, .headers = headers,
				  .body = p->manifest.data, .body_len = p->manifest.len};
	struct registry_reply r;
	const char *got;
	int rc = -1;

	snprintf(ct, sizeof(ct), "Content-Type: %s", p->manifest_type);
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", p->ref.path, p->ref.tag);
	registry_reply_init(&r);
	if (call(p, &c, &r, e))
		goto out;
	if (r.http.status != 201 && r.http.status != 200) {
		fail_reply(p, "putting the manifest", &r, e);
		goto out;
	}
	got = http_response_header(&r.http, "Docker-Content-Digest");
	if (got && strcmp(got, digest)) {
		ds_error_set(e, 0, "the registry stored the manifest as %s, not %s", got, digest);
		goto out;
	}
	rc = 0;
out:
	registry_reply_release(&r);
	return rc;
}

static const char *endpoint_for(const struct image_push_opts *o, const char *domain)
{
	size_t i;

	for (i = 0; i < o->nendpoints; i++)
		if (o->endpoints[i].domain && !strcasecmp(o->endpoints[i].domain, domain))
			return o->endpoints[i].url;
	return NULL;
}

static int connect_registry(struct push *p, struct ds_error *e)
{
	const struct image_push_opts *o = p->o;
	struct http_options ho = {0};
	const char *ep = endpoint_for(o, p->ref.domain);
	char base[600];

	if (ep)
		snprintf(base, sizeof(base), "%s", ep);
	else if (ref_is_docker_hub(&p->ref))
		snprintf(base, sizeof(base), "%s", REGISTRY_DOCKER_HUB_URL);
	else {
		snprintf(base, sizeof(base), "https://%s", p->ref.domain);
		p->may_fall_back = ref_domain_is_loopback(p->ref.domain) || o->insecure;
	}
	if (o->username && o->password && ds_secret_is_set(o->password)) {
		p->creds.source = REGISTRY_CREDS_CALLER;
		p->creds.username = strdup(o->username);
		p->creds.origin = strdup("--username");
		if (!p->creds.username || !p->creds.origin ||
		    ds_secret_set(&p->creds.password, ds_secret_value(o->password)))
			return ds_error_set(e, 0, "out of memory");
	} else {
		struct registry_creds_query q = {p->ref.domain, o->docker_config_dir, 0, 0, 0};

		if (registry_creds_find(&q, &p->creds, e))
			return -1;
	}
	p->res->creds_source = strdup(registry_creds_present(&p->creds) && p->creds.origin
					      ? p->creds.origin
					      : "none");
	ho.timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	ho.ca_file = o->ca_file;
	ho.insecure = o->insecure;
	if (registry_client_init(&p->cl, base, &p->creds, &ho, e))
		return -1;
	p->cl_ready = 1;
	return 0;
}

int image_push(const struct image_push_opts *o, struct image_push_result *res, struct ds_error *e)
{
	struct push p;
	char digest[IMAGE_DIGEST_MAX], got[IMAGE_DIGEST_MAX], *mpath = NULL;
	json_t *man = NULL, *layers;
	size_t i;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	p.o = o;
	p.res = res;
	registry_creds_init(&p.creds);
	ds_buf_init(&p.manifest, MANIFEST_MAX);

	if (ref_parse(&p.ref, o->target, e)) {
		ds_error_prefix(e, "'%s'", o->target);
		goto out;
	}
	if (!p.ref.tag) {
		ds_error_set(e, 0, "'%s': push to a tag, not a digest", o->target);
		goto out;
	}
	res->normalized = ref_string(&p.ref);
	if (find_manifest(&p, digest, e))
		goto out;
	mpath = image_blob_path(o->layout_dir, digest);
	if (!mpath || read_file(mpath, MANIFEST_MAX, &p.manifest, e))
		goto out;
	image_sha256_digest(p.manifest.data, p.manifest.len, got);
	if (strcmp(got, digest)) {
		ds_error_set(e, 0, "'%s' does not match its digest (%s): the layout is damaged", mpath,
			     got);
		goto out;
	}
	man = json_loadb(p.manifest.data, p.manifest.len, 0, NULL);
	layers = json_object_get(man, "layers");
	if (!json_is_object(json_object_get(man, "config")) || !json_is_array(layers)) {
		ds_error_set(e, 0, "'%s' is not an image manifest", mpath);
		goto out;
	}
	if (connect_registry(&p, e))
		goto out;
	for (i = 0; i < json_array_size(layers); i++)
		if (push_blob(&p, json_array_get(layers, i), e))
			goto out;
	if (push_blob(&p, json_object_get(man, "config"), e) || put_manifest(&p, digest, e))
		goto out;
	snprintf(res->digest, sizeof(res->digest), "%s", digest);
	rc = 0;
out:
	if (p.cl_ready) {
		res->requests = p.cl.http.requests;
		res->connections = p.cl.http.connects;
		res->token_requests = p.cl.token_requests;
		registry_client_release(&p.cl);
	}
	json_decref(man);
	free(mpath);
	ds_buf_release(&p.manifest);
	registry_creds_release(&p.creds);
	ref_release(&p.ref);
	return rc;
}
