/* Decoding (semantics.md section 2): format choice, kind sniffing, group
 * and version defaults, scheme lookup, the strict typed decode with its
 * lenient fallback, and the group-version check.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SCHEME_NAME "k8s.io/apiserver/pkg/audit/scheme.go:30"

/* ---- the Go types, as tables -------------------------------------------- */

typedef enum {
    T_STRING,
    T_BOOL,
    T_PBOOL,
    T_INT64,
    T_INT32,
    T_STRLIST,
    T_STRMAP,     /* map[string]string */
    T_STRLISTMAP, /* map[string][]string */
    T_STRUCT,
    T_STRUCTLIST,
    T_TIME,      /* metav1.Time: RFC 3339 */
    T_MICROTIME, /* metav1.MicroTime: RFC 3339 with six fractional digits */
    T_ANY,       /* takes any JSON (RawExtension, runtime.Unknown, FieldsV1) */
    T_IFACE      /* an interface with methods: only null fits */
} tkind;

typedef struct tstruct tstruct;
typedef struct tfield { /* NOLINT(clang-analyzer-optin.performance.Padding): static tables, fields in the initialisers' order */
    const char *name;
    tkind kind;
    const char *go_type;   /* as Go prints the field's type */
    const char *elem_type; /* element type, for lists and maps */
    const tstruct *sub;
    int offset;     /* where the value goes in the C struct, -1: nowhere */
    int pos_offset; /* where the value node's line/col go, -1: nowhere */
    uint8_t only;   /* 0: in every release; else 1 + the kap_change that has the field */
} tfield;

struct tstruct {
    const char *go_name;
    const tfield *fields;
    size_t n;
    size_t size;    /* C size of one element in lists */
    int pos_offset; /* where an element's line/col go */
};

typedef struct anylist {
    void *items;
    size_t n;
} anylist;

#define OFF(type, field) ((int)offsetof(type, field))
#define NOWHERE (-1)
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define ONLY(change) ((uint8_t)((change) + 1))
/* a field decoded for its errors only */
#define F(name, kind, type) {name, kind, type, NULL, NULL, NOWHERE, NOWHERE, 0}
#define FL(name, kind, type, elem) {name, kind, type, elem, NULL, NOWHERE, NOWHERE, 0}
#define FS(name, kind, type, elem, sub) {name, kind, type, elem, sub, NOWHERE, NOWHERE, 0}
#define STRUCT(name, fields) {name, fields, NFIELDS(fields), 0, NOWHERE}
#define TYPEMETA_FIELDS F("kind", T_STRING, "string"), F("apiVersion", T_STRING, "string")

static const tfield owner_ref_fields[] = {
    F("apiVersion", T_STRING, "string"),
    F("kind", T_STRING, "string"),
    F("name", T_STRING, "string"),
    F("uid", T_STRING, "types.UID"),
    F("controller", T_PBOOL, "bool"),
    F("blockOwnerDeletion", T_PBOOL, "bool"),
};
static const tstruct owner_ref = STRUCT("OwnerReference", owner_ref_fields);

static const tfield mf_fields[] = {
    F("manager", T_STRING, "string"),
    F("operation", T_STRING, "v1.ManagedFieldsOperationType"),
    F("apiVersion", T_STRING, "string"),
    F("time", T_TIME, "v1.Time"),
    F("fieldsType", T_STRING, "string"),
    F("fieldsV1", T_ANY, "v1.FieldsV1"),
    F("subresource", T_STRING, "string"),
};
static const tstruct managed_fields = STRUCT("ManagedFieldsEntry", mf_fields);

#define OBJECTMETA_FIELDS                                                                   \
    F("name", T_STRING, "string"), F("generateName", T_STRING, "string"),                  \
        F("namespace", T_STRING, "string"), F("selfLink", T_STRING, "string"),              \
        F("uid", T_STRING, "types.UID"), F("resourceVersion", T_STRING, "string"),          \
        F("generation", T_INT64, "int64"), F("creationTimestamp", T_TIME, "v1.Time"),       \
        F("deletionTimestamp", T_TIME, "v1.Time"),                                          \
        F("deletionGracePeriodSeconds", T_INT64, "int64"),                                  \
        FL("labels", T_STRMAP, "map[string]string", "string"),                             \
        FL("annotations", T_STRMAP, "map[string]string", "string"),                        \
        FS("ownerReferences", T_STRUCTLIST, "[]v1.OwnerReference", "v1.OwnerReference", &owner_ref), \
        FL("finalizers", T_STRLIST, "[]string", "string"),                                  \
        FS("managedFields", T_STRUCTLIST, "[]v1.ManagedFieldsEntry", "v1.ManagedFieldsEntry", \
           &managed_fields),                                                                \
        {"clusterName", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE,                   \
         ONLY(KC_OBJECTMETA_CLUSTERNAME)}

static const tfield objectmeta_fields[] = {OBJECTMETA_FIELDS};
static const tstruct objectmeta = STRUCT("ObjectMeta", objectmeta_fields);

static const tfield shardinfo_fields[] = {F("selector", T_STRING, "string")};
static const tstruct shardinfo = STRUCT("ShardInfo", shardinfo_fields);

#define LISTMETA_FIELDS                                                                        \
    F("selfLink", T_STRING, "string"), F("resourceVersion", T_STRING, "string"),              \
        F("continue", T_STRING, "string"), F("remainingItemCount", T_INT64, "int64"),         \
        {"shardInfo", T_STRUCT, "v1.ShardInfo", NULL, &shardinfo, NOWHERE, NOWHERE,          \
         ONLY(KC_LISTMETA_SHARDINFO)}

static const tfield listmeta_fields[] = {LISTMETA_FIELDS};
static const tstruct listmeta = STRUCT("ListMeta", listmeta_fields);

/* audit.k8s.io/v1 */
static const tfield v1_gr_fields[] = {
    {"group", T_STRING, "string", NULL, NULL, OFF(kgr, group), NOWHERE, 0},
    {"resources", T_STRLIST, "[]string", "string", NULL, OFF(kgr, resources), NOWHERE, 0},
    {"resourceNames", T_STRLIST, "[]string", "string", NULL, OFF(kgr, names), NOWHERE, 0},
};
static const tstruct v1_gr = {"GroupResources", v1_gr_fields, NFIELDS(v1_gr_fields), sizeof(kgr), OFF(kgr, line)};

static const tfield v1_rule_fields[] = {
    {"level", T_STRING, "v1.Level", NULL, NULL, OFF(krule, level), NOWHERE, 0},
    {"users", T_STRLIST, "[]string", "string", NULL, OFF(krule, users), NOWHERE, 0},
    {"userGroups", T_STRLIST, "[]string", "string", NULL, OFF(krule, groups), NOWHERE, 0},
    {"verbs", T_STRLIST, "[]string", "string", NULL, OFF(krule, verbs), NOWHERE, 0},
    {"resources", T_STRUCTLIST, "[]v1.GroupResources", "v1.GroupResources", &v1_gr, OFF(krule, res),
     OFF(krule, res_line), 0},
    {"namespaces", T_STRLIST, "[]string", "string", NULL, OFF(krule, namespaces), NOWHERE, 0},
    {"nonResourceURLs", T_STRLIST, "[]string", "string", NULL, OFF(krule, urls), NOWHERE, 0},
    {"omitStages", T_STRLIST, "[]v1.Stage", "v1.Stage", NULL, OFF(krule, stages), NOWHERE, 0},
    {"omitManagedFields", T_PBOOL, "bool", NULL, NULL, OFF(krule, omf), OFF(krule, omf_line), 0},
};
static const tstruct v1_rule = {"PolicyRule", v1_rule_fields, NFIELDS(v1_rule_fields), sizeof(krule), OFF(krule, line)};

static const tfield v1_policy_fields[] = {
    TYPEMETA_FIELDS,
    {"metadata", T_STRUCT, "v1.ObjectMeta", NULL, &objectmeta, NOWHERE, NOWHERE, 0},
    {"rules", T_STRUCTLIST, "[]v1.PolicyRule", "v1.PolicyRule", &v1_rule, OFF(kdoc, rules),
     OFF(kdoc, rules_line), 0},
    {"omitStages", T_STRLIST, "[]v1.Stage", "v1.Stage", NULL, OFF(kdoc, stages), NOWHERE, 0},
    {"omitManagedFields", T_BOOL, "bool", NULL, NULL, OFF(kdoc, omf), NOWHERE, 0},
};
static const tstruct v1_policy = {"Policy", v1_policy_fields, NFIELDS(v1_policy_fields), 0, NOWHERE};

/* audit.k8s.io/__internal: no JSON tags, so Go field names, and the
 * embedded TypeMeta and ObjectMeta fields promoted to the top. */
static const tfield int_gr_fields[] = {
    {"Group", T_STRING, "string", NULL, NULL, OFF(kgr, group), NOWHERE, 0},
    {"Resources", T_STRLIST, "[]string", "string", NULL, OFF(kgr, resources), NOWHERE, 0},
    {"ResourceNames", T_STRLIST, "[]string", "string", NULL, OFF(kgr, names), NOWHERE, 0},
};
static const tstruct int_gr = {"GroupResources", int_gr_fields, NFIELDS(int_gr_fields), sizeof(kgr), OFF(kgr, line)};

static const tfield int_rule_fields[] = {
    {"Level", T_STRING, "audit.Level", NULL, NULL, OFF(krule, level), NOWHERE, 0},
    {"Users", T_STRLIST, "[]string", "string", NULL, OFF(krule, users), NOWHERE, 0},
    {"UserGroups", T_STRLIST, "[]string", "string", NULL, OFF(krule, groups), NOWHERE, 0},
    {"Verbs", T_STRLIST, "[]string", "string", NULL, OFF(krule, verbs), NOWHERE, 0},
    {"Resources", T_STRUCTLIST, "[]audit.GroupResources", "audit.GroupResources", &int_gr,
     OFF(krule, res), OFF(krule, res_line), 0},
    {"Namespaces", T_STRLIST, "[]string", "string", NULL, OFF(krule, namespaces), NOWHERE, 0},
    {"NonResourceURLs", T_STRLIST, "[]string", "string", NULL, OFF(krule, urls), NOWHERE, 0},
    {"OmitStages", T_STRLIST, "[]audit.Stage", "audit.Stage", NULL, OFF(krule, stages), NOWHERE, 0},
    {"OmitManagedFields", T_PBOOL, "bool", NULL, NULL, OFF(krule, omf), OFF(krule, omf_line), 0},
};
static const tstruct int_rule = {"PolicyRule", int_rule_fields, NFIELDS(int_rule_fields), sizeof(krule), OFF(krule, line)};

static const tfield int_policy_fields[] = {
    TYPEMETA_FIELDS,
    OBJECTMETA_FIELDS,
    {"Rules", T_STRUCTLIST, "[]audit.PolicyRule", "audit.PolicyRule", &int_rule, OFF(kdoc, rules),
     OFF(kdoc, rules_line), 0},
    {"OmitStages", T_STRLIST, "[]audit.Stage", "audit.Stage", NULL, OFF(kdoc, stages), NOWHERE, 0},
    {"OmitManagedFields", T_BOOL, "bool", NULL, NULL, OFF(kdoc, omf), NOWHERE, 0},
};
static const tstruct int_policy = {"Policy", int_policy_fields, NFIELDS(int_policy_fields), 0, NOWHERE};

/* ---- the other kinds the audit scheme knows --------------------------------
 * They decode (their type errors are fatal) and then fail to convert to a
 * Policy. Only their errors matter, so nothing is kept. */

static const tfield v1_policylist_fields[] = {
    TYPEMETA_FIELDS,
    FS("metadata", T_STRUCT, "v1.ListMeta", NULL, &listmeta),
    FS("items", T_STRUCTLIST, "[]v1.Policy", "v1.Policy", &v1_policy),
};
static const tstruct v1_policylist = STRUCT("PolicyList", v1_policylist_fields);

static const tfield int_policylist_fields[] = {
    TYPEMETA_FIELDS,
    LISTMETA_FIELDS,
    FS("Items", T_STRUCTLIST, "[]audit.Policy", "audit.Policy", &int_policy),
};
static const tstruct int_policylist = STRUCT("PolicyList", int_policylist_fields);

/* authentication/v1 UserInfo */
static const tfield userinfo_fields[] = {
    F("username", T_STRING, "string"),
    F("uid", T_STRING, "string"),
    FL("groups", T_STRLIST, "[]string", "string"),
    FL("extra", T_STRLISTMAP, "map[string]v1.ExtraValue", "v1.ExtraValue"),
};
static const tstruct userinfo = STRUCT("UserInfo", userinfo_fields);

static const tfield status_cause_fields[] = {
    F("reason", T_STRING, "v1.CauseType"),
    F("message", T_STRING, "string"),
    F("field", T_STRING, "string"),
};
static const tstruct status_cause = STRUCT("StatusCause", status_cause_fields);

static const tfield status_details_fields[] = {
    F("name", T_STRING, "string"),
    F("group", T_STRING, "string"),
    F("kind", T_STRING, "string"),
    F("uid", T_STRING, "types.UID"),
    FS("causes", T_STRUCTLIST, "[]v1.StatusCause", "v1.StatusCause", &status_cause),
    F("retryAfterSeconds", T_INT32, "int32"),
};
static const tstruct status_details = STRUCT("StatusDetails", status_details_fields);

static const tfield status_fields[] = {
    TYPEMETA_FIELDS,
    FS("metadata", T_STRUCT, "v1.ListMeta", NULL, &listmeta),
    F("status", T_STRING, "string"),
    F("message", T_STRING, "string"),
    F("reason", T_STRING, "v1.StatusReason"),
    FS("details", T_STRUCT, "v1.StatusDetails", NULL, &status_details),
    F("code", T_INT32, "int32"),
};
static const tstruct meta_status = STRUCT("Status", status_fields);

#define EVENT_FIELDS(objref_type, objref)                                                       \
    FS("user", T_STRUCT, "v1.UserInfo", NULL, &userinfo),                                       \
        FS("impersonatedUser", T_STRUCT, "v1.UserInfo", NULL, &userinfo),                       \
        FL("sourceIPs", T_STRLIST, "[]string", "string"), F("userAgent", T_STRING, "string"),   \
        FS("objectRef", T_STRUCT, objref_type, NULL, objref),                                   \
        FS("responseStatus", T_STRUCT, "v1.Status", NULL, &meta_status),                            \
        F("requestObject", T_ANY, "runtime.Unknown"), F("responseObject", T_ANY, "runtime.Unknown"), \
        F("requestReceivedTimestamp", T_MICROTIME, "v1.MicroTime"),                             \
        F("stageTimestamp", T_MICROTIME, "v1.MicroTime"),                                       \
        FL("annotations", T_STRMAP, "map[string]string", "string")

static const tfield v1_objref_fields[] = {
    F("resource", T_STRING, "string"),   F("namespace", T_STRING, "string"),
    F("name", T_STRING, "string"),       F("uid", T_STRING, "types.UID"),
    F("apiGroup", T_STRING, "string"),   F("apiVersion", T_STRING, "string"),
    F("resourceVersion", T_STRING, "string"), F("subresource", T_STRING, "string"),
};
static const tstruct v1_objref = STRUCT("ObjectReference", v1_objref_fields);

static const tfield v1_event_fields[] = {
    TYPEMETA_FIELDS,
    F("level", T_STRING, "v1.Level"),
    F("auditID", T_STRING, "types.UID"),
    F("stage", T_STRING, "v1.Stage"),
    F("requestURI", T_STRING, "string"),
    F("verb", T_STRING, "string"),
    EVENT_FIELDS("v1.ObjectReference", &v1_objref),
};
static const tstruct v1_event = STRUCT("Event", v1_event_fields);

static const tfield v1_eventlist_fields[] = {
    TYPEMETA_FIELDS,
    FS("metadata", T_STRUCT, "v1.ListMeta", NULL, &listmeta),
    FS("items", T_STRUCTLIST, "[]v1.Event", "v1.Event", &v1_event),
};
static const tstruct v1_eventlist = STRUCT("EventList", v1_eventlist_fields);

/* the internal Event: Go field names, except in the types it borrows */
static const tfield int_objref_fields[] = {
    F("Resource", T_STRING, "string"),   F("Namespace", T_STRING, "string"),
    F("Name", T_STRING, "string"),       F("UID", T_STRING, "types.UID"),
    F("APIGroup", T_STRING, "string"),   F("APIVersion", T_STRING, "string"),
    F("ResourceVersion", T_STRING, "string"), F("Subresource", T_STRING, "string"),
};
static const tstruct int_objref = STRUCT("ObjectReference", int_objref_fields);

static const tfield int_event_fields[] = {
    TYPEMETA_FIELDS,
    F("Level", T_STRING, "audit.Level"),
    F("AuditID", T_STRING, "types.UID"),
    F("Stage", T_STRING, "audit.Stage"),
    F("RequestURI", T_STRING, "string"),
    F("Verb", T_STRING, "string"),
    FS("User", T_STRUCT, "v1.UserInfo", NULL, &userinfo),
    FS("ImpersonatedUser", T_STRUCT, "v1.UserInfo", NULL, &userinfo),
    FL("SourceIPs", T_STRLIST, "[]string", "string"),
    F("UserAgent", T_STRING, "string"),
    FS("ObjectRef", T_STRUCT, "audit.ObjectReference", NULL, &int_objref),
    FS("ResponseStatus", T_STRUCT, "v1.Status", NULL, &meta_status),
    F("RequestObject", T_ANY, "runtime.Unknown"),
    F("ResponseObject", T_ANY, "runtime.Unknown"),
    F("RequestReceivedTimestamp", T_MICROTIME, "v1.MicroTime"),
    F("StageTimestamp", T_MICROTIME, "v1.MicroTime"),
    FL("Annotations", T_STRMAP, "map[string]string", "string"),
};
static const tstruct int_event = STRUCT("Event", int_event_fields);

static const tfield int_eventlist_fields[] = {
    TYPEMETA_FIELDS,
    LISTMETA_FIELDS,
    FS("Items", T_STRUCTLIST, "[]audit.Event", "audit.Event", &int_event),
};
static const tstruct int_eventlist = STRUCT("EventList", int_eventlist_fields);

static const tfield watchevent_fields[] = {F("type", T_STRING, "string"), F("object", T_ANY, "runtime.RawExtension")};
static const tstruct watchevent = STRUCT("WatchEvent", watchevent_fields);

static const tfield internalevent_fields[] = {
    F("Type", T_STRING, "watch.EventType"),
    F("Object", T_IFACE, "runtime.Object"),
};
static const tstruct internalevent = STRUCT("InternalEvent", internalevent_fields);

/* the options kinds metav1 registers in every group version */
static const tfield listoptions_fields[] = {
    TYPEMETA_FIELDS,
    F("labelSelector", T_STRING, "string"),
    F("fieldSelector", T_STRING, "string"),
    F("watch", T_BOOL, "bool"),
    F("allowWatchBookmarks", T_BOOL, "bool"),
    F("resourceVersion", T_STRING, "string"),
    F("resourceVersionMatch", T_STRING, "v1.ResourceVersionMatch"),
    F("timeoutSeconds", T_INT64, "int64"),
    F("limit", T_INT64, "int64"),
    F("continue", T_STRING, "string"),
    {"sendInitialEvents", T_PBOOL, "bool", NULL, NULL, NOWHERE, NOWHERE, ONLY(KC_LISTOPTIONS_SEND_INITIAL_EVENTS)},
};
static const tstruct listoptions = STRUCT("ListOptions", listoptions_fields);

static const tfield getoptions_fields[] = {TYPEMETA_FIELDS, F("resourceVersion", T_STRING, "string")};
static const tstruct getoptions = STRUCT("GetOptions", getoptions_fields);

static const tfield preconditions_fields[] = {F("uid", T_STRING, "types.UID"), F("resourceVersion", T_STRING, "string")};
static const tstruct preconditions = STRUCT("Preconditions", preconditions_fields);

static const tfield deleteoptions_fields[] = {
    TYPEMETA_FIELDS,
    F("gracePeriodSeconds", T_INT64, "int64"),
    FS("preconditions", T_STRUCT, "v1.Preconditions", NULL, &preconditions),
    F("orphanDependents", T_PBOOL, "bool"),
    F("propagationPolicy", T_STRING, "v1.DeletionPropagation"),
    FL("dryRun", T_STRLIST, "[]string", "string"),
    {"ignoreStoreReadErrorWithClusterBreakingPotential", T_PBOOL, "bool", NULL, NULL, NOWHERE, NOWHERE,
     ONLY(KC_DELETEOPTIONS_IGNORE_READ_ERROR)},
};
static const tstruct deleteoptions = STRUCT("DeleteOptions", deleteoptions_fields);

#define WRITEOPTIONS_FIELDS                                                                  \
    FL("dryRun", T_STRLIST, "[]string", "string"), F("fieldManager", T_STRING, "string"), \
        F("fieldValidation", T_STRING, "string")

static const tfield createoptions_fields[] = {TYPEMETA_FIELDS, WRITEOPTIONS_FIELDS};
static const tstruct createoptions = STRUCT("CreateOptions", createoptions_fields);
static const tstruct updateoptions = STRUCT("UpdateOptions", createoptions_fields);
static const tfield patchoptions_fields[] = {TYPEMETA_FIELDS, WRITEOPTIONS_FIELDS, F("force", T_PBOOL, "bool")};
static const tstruct patchoptions = STRUCT("PatchOptions", patchoptions_fields);

/* the discovery kinds, registered unversioned */
static const tfield cidr_fields[] = {F("clientCIDR", T_STRING, "string"), F("serverAddress", T_STRING, "string")};
static const tstruct cidr = STRUCT("ServerAddressByClientCIDR", cidr_fields);
#define CIDRS_FIELD                                                                      \
    FS("serverAddressByClientCIDRs", T_STRUCTLIST, "[]v1.ServerAddressByClientCIDR", \
       "v1.ServerAddressByClientCIDR", &cidr)

static const tfield apiversions_fields[] = {TYPEMETA_FIELDS, FL("versions", T_STRLIST, "[]string", "string"),
                                            CIDRS_FIELD};
static const tstruct apiversions = STRUCT("APIVersions", apiversions_fields);

static const tfield gvd_fields[] = {F("groupVersion", T_STRING, "string"), F("version", T_STRING, "string")};
static const tstruct gvd = STRUCT("GroupVersionForDiscovery", gvd_fields);

static const tfield apigroup_fields[] = {
    TYPEMETA_FIELDS,
    F("name", T_STRING, "string"),
    FS("versions", T_STRUCTLIST, "[]v1.GroupVersionForDiscovery", "v1.GroupVersionForDiscovery", &gvd),
    FS("preferredVersion", T_STRUCT, "v1.GroupVersionForDiscovery", NULL, &gvd),
    CIDRS_FIELD,
};
static const tstruct apigroup = STRUCT("APIGroup", apigroup_fields);

static const tfield apigrouplist_fields[] = {TYPEMETA_FIELDS,
                                             FS("groups", T_STRUCTLIST, "[]v1.APIGroup", "v1.APIGroup", &apigroup)};
static const tstruct apigrouplist = STRUCT("APIGroupList", apigrouplist_fields);

static const tfield apiresource_fields[] = {
    F("name", T_STRING, "string"),
    F("singularName", T_STRING, "string"),
    F("namespaced", T_BOOL, "bool"),
    F("group", T_STRING, "string"),
    F("version", T_STRING, "string"),
    F("kind", T_STRING, "string"),
    FL("verbs", T_STRLIST, "v1.Verbs", "string"),
    FL("shortNames", T_STRLIST, "[]string", "string"),
    FL("categories", T_STRLIST, "[]string", "string"),
    F("storageVersionHash", T_STRING, "string"),
};
static const tstruct apiresource = STRUCT("APIResource", apiresource_fields);

static const tfield apiresourcelist_fields[] = {
    TYPEMETA_FIELDS,
    F("groupVersion", T_STRING, "string"),
    FS("resources", T_STRUCTLIST, "[]v1.APIResource", "v1.APIResource", &apiresource),
};
static const tstruct apiresourcelist = STRUCT("APIResourceList", apiresourcelist_fields);

/* The Go type of each kind that decodes and then fails to convert. */
static const struct {
    const char *go_type;
    const tstruct *type;
} OTHER_KINDS[] = {
    {"v1.PolicyList", &v1_policylist},  {"audit.PolicyList", &int_policylist},
    {"v1.Event", &v1_event},            {"audit.Event", &int_event},
    {"v1.EventList", &v1_eventlist},    {"audit.EventList", &int_eventlist},
    {"v1.WatchEvent", &watchevent},     {"v1.InternalEvent", &internalevent},
    {"ListOptions", &listoptions},      {"GetOptions", &getoptions},
    {"DeleteOptions", &deleteoptions},  {"CreateOptions", &createoptions},
    {"UpdateOptions", &updateoptions},  {"PatchOptions", &patchoptions},
    {"Status", &meta_status},                {"APIVersions", &apiversions},
    {"APIGroupList", &apigrouplist},    {"APIGroup", &apigroup},
    {"APIResourceList", &apiresourcelist},
};

/* ---- the typed decode (sigs.k8s.io/json, case-sensitive, strict) ------------- */

typedef struct tdec {
    kap_arena *a;
    const kap_limits *lim;
    int quiet; /* strict errors do not matter (a kind that fails to convert) */
    kap_buf field;  /* Go's errorContext.FieldStack, names joined with '.' */
    const char *struct_name;
    kap_buf path;   /* strict path with indexes */
    kap_buf type_err; /* first UnmarshalTypeError */
    unsigned te_line, te_col;
    int has_type_err;
    kap_buf abort_err; /* an error that stops decoding at once */
    int aborted;
    unsigned ab_line, ab_col;
    /* strict errors, each with its position */
    kap_buf strict;
    int nstrict;
    kap_diagnostics *diags;
    int oom;
    struct rstream *rules; /* the rules decoded while the YAML was read, or NULL */
} tdec;

static void type_error(tdec *d, const jv *v, const char *value_desc, const char *go_type)
{
    if (d->has_type_err)
        return;
    d->has_type_err = 1;
    d->te_line = v->line;
    d->te_col = v->col;
    buf_adds(&d->type_err, "json: cannot unmarshal ");
    buf_adds(&d->type_err, value_desc);
    if (d->struct_name || d->field.len) {
        buf_adds(&d->type_err, " into Go struct field ");
        buf_adds(&d->type_err, d->struct_name ? d->struct_name : "");
        buf_addc(&d->type_err, '.');
        buf_add(&d->type_err, d->field.s, d->field.len);
    } else {
        buf_adds(&d->type_err, " into Go value");
    }
    buf_adds(&d->type_err, " of type ");
    buf_adds(&d->type_err, go_type);
}

static void strict_error(tdec *d, const char *what, const char *name, size_t nlen, unsigned line,
                         unsigned col)
{
    if (d->quiet)
        return;
    kap_buf item = {0};
    size_t base = d->path.len;
    if (base)
        buf_addc(&d->path, '.');
    buf_add(&d->path, name, nlen);
    buf_adds(&item, what);
    buf_adds(&item, " field ");
    go_quote_as(&item, d->path.s, d->path.len, d->lim->gofmt);
    if (d->nstrict++)
        buf_adds(&d->strict, ", ");
    buf_add(&d->strict, item.s, item.len);
    if (item.oom || d->path.oom)
        d->oom = 1;
    else
        diags_add(d->diags, KAP_SEVERITY_WARNING, buf_cstr(&d->path), buf_cstr(&item), line, col);
    buf_free(&item);
    d->path.len = base;
}

static void set_pos(void *target, int pos_offset, const jv *v)
{
    if (target && pos_offset >= 0) {
        unsigned *p = (unsigned *)((char *)target + pos_offset);
        p[0] = v->line;
        p[1] = v->col;
    }
}

static void decode_value(tdec *d, const tfield *f, void *target, const jv *v);

static void set_kstr(kstr *s, const jv *v)
{
    s->s = v->s;
    s->len = v->len;
    s->line = v->line;
    s->col = v->col;
}

/* time's own quote(), for its ParseError texts: bytes that are not
 * printable ASCII as \xNN (a whole rune's bytes, a U+FFFD's three), " and
 * \ escaped. */
static void time_quote(kap_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    buf_addc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x80) {
            if (c == '"' || c == '\\')
                buf_addc(b, '\\');
            buf_addc(b, (char)c);
            i++;
            continue;
        }
        /* the rune's width; an invalid byte is one U+FFFD of width 1 */
        size_t w = 1;
        if (c >= 0xC2 && c <= 0xF4) {
            size_t need = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4, k = 1;
            while (k < need && i + k < n && (p[i + k] & 0xC0) == 0x80)
                k++;
            if (k == need) {
                uint32_t r = c & (0xFF >> (need + 1));
                for (k = 1; k < need; k++)
                    r = (r << 6) | (p[i + k] & 0x3F);
                int ok = r >= (need == 2 ? 0x80u : need == 3 ? 0x800u : 0x10000u) && r <= 0x10FFFF &&
                         !(r >= 0xD800 && r <= 0xDFFF);
                w = ok ? need : 1;
            }
        }
        for (size_t j = 0; j < w; j++) {
            char t[4] = {'\\', 'x', hex[p[i + j] >> 4], hex[p[i + j] & 15]};
            buf_add(b, t, 4);
        }
        i += w;
    }
    buf_addc(b, '"');
}

/* time.Parse(layout, value) for metav1.Time (RFC 3339) and
 * metav1.MicroTime (RFC 3339 with exactly six fractional digits): whether
 * value parses; if not, err gets time's ParseError text. */
enum { TS_YEAR, TS_MONTH, TS_DAY, TS_HOUR, TS_MINUTE, TS_SECOND, TS_FRAC6, TS_ZONE, TS_END };

static int time_digits(const char *s, size_t n, size_t i) { return i < n && s[i] >= '0' && s[i] <= '9'; }

/* getnum(): one or two digits (two if fixed); -1 if none. */
static int time_getnum(const char *s, size_t n, int fixed, size_t *used)
{
    if (!time_digits(s, n, 0))
        return -1;
    if (!time_digits(s, n, 1)) {
        if (fixed)
            return -1;
        *used = 1;
        return s[0] - '0';
    }
    *used = 2;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static int time_parse(kap_buf *err, const char *value, size_t len, int micro)
{
    static const struct {
        const char *prefix, *elem;
        int std;
    } rfc3339[] = {{"", "2006", TS_YEAR},   {"-", "01", TS_MONTH},    {"-", "02", TS_DAY},
                   {"T", "15", TS_HOUR},    {":", "04", TS_MINUTE},   {":", "05", TS_SECOND},
                   {"", ".000000", TS_FRAC6}, {"", "Z07:00", TS_ZONE}, {"", "", TS_END}};
    const char *layout = micro ? "2006-01-02T15:04:05.000000Z07:00" : "2006-01-02T15:04:05Z07:00";
    const char *s = value;
    size_t n = len;
    int year = 0, month = 0, day = 0;
    const char *range = NULL;
    for (size_t c = 0;; c++) {
        if (rfc3339[c].std == TS_FRAC6 && !micro)
            continue;
        const char *prefix = rfc3339[c].prefix, *elem = rfc3339[c].elem;
        if (prefix[0]) { /* skip(): the layout's literal */
            if (n == 0 || s[0] != prefix[0]) {
                elem = prefix;
                goto cannot_parse;
            }
            s++, n--;
        }
        const char *hold = s;
        size_t hold_n = n, used = 0;
        int bad = 0, v;
        switch (rfc3339[c].std) {
        case TS_END:
            if (n) {
                buf_adds(err, "parsing time ");
                time_quote(err, value, len);
                buf_adds(err, ": extra text: ");
                time_quote(err, s, n);
                return 0;
            }
            goto parsed;
        case TS_YEAR:
            bad = n < 4;
            for (int k = 0; k < 4 && !bad; k++)
                bad = !time_digits(s, n, (size_t)k);
            if (!bad)
                year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
            used = 4;
            break;
        case TS_MONTH:
        case TS_DAY:
        case TS_MINUTE:
        case TS_SECOND:
        case TS_HOUR:
            v = time_getnum(s, n, rfc3339[c].std != TS_HOUR, &used);
            if (v < 0) {
                bad = 1;
                break;
            }
            if (rfc3339[c].std == TS_MONTH) {
                month = v;
                if (v < 1 || v > 12)
                    range = "month";
            } else if (rfc3339[c].std == TS_DAY) {
                day = v;
            } else if (rfc3339[c].std == TS_HOUR) {
                if (v >= 24)
                    range = "hour";
            } else if (v >= 60) {
                range = rfc3339[c].std == TS_MINUTE ? "minute" : "second";
            } else if (rfc3339[c].std == TS_SECOND && !micro && n - used >= 2 &&
                       (s[used] == '.' || s[used] == ',') && time_digits(s, n, used + 1)) {
                /* a fractional second the layout does not name is taken */
                used += 2;
                while (time_digits(s, n, used))
                    used++;
            }
            break;
        case TS_FRAC6:
            /* '.' or ',' and six characters atoi() takes: digits, a sign first */
            if (n < 7 || (s[0] != '.' && s[0] != ',')) {
                bad = 1;
                break;
            }
            for (size_t k = 1; k < 7 && !bad; k++)
                bad = !(time_digits(s, n, k) || (k == 1 && (s[k] == '+' || s[k] == '-') && time_digits(s, n, 2)));
            if (!bad && s[1] == '-') {
                int neg_nonzero = 0;
                for (size_t k = 2; k < 7; k++)
                    neg_nonzero |= s[k] != '0';
                if (neg_nonzero)
                    range = "fractional second";
            }
            used = 7;
            break;
        case TS_ZONE: {
            if (n >= 1 && s[0] == 'Z') {
                used = 1;
                break;
            }
            if (n < 6 || s[3] != ':') {
                bad = 1;
                break;
            }
            size_t u;
            int hr = time_getnum(s + 1, 2, 1, &u), mm = hr < 0 ? 0 : time_getnum(s + 4, 2, 1, &u);
            bad = hr < 0 || mm < 0;
            if (hr > 24)
                range = "time zone offset hour";
            if (mm > 60)
                range = "time zone offset minute";
            if (s[0] != '+' && s[0] != '-')
                bad = 1;
            used = 6;
            break;
        }
        }
        if (range) {
            buf_adds(err, "parsing time ");
            time_quote(err, value, len);
            buf_printf(err, ": %s out of range", range);
            return 0;
        }
        if (bad) {
            s = hold, n = hold_n;
            goto cannot_parse;
        }
        s += used, n -= used;
        continue;
    cannot_parse:
        buf_adds(err, "parsing time ");
        time_quote(err, value, len);
        buf_adds(err, " as ");
        time_quote(err, layout, strlen(layout));
        buf_adds(err, ": cannot parse ");
        time_quote(err, s, n);
        buf_adds(err, " as ");
        time_quote(err, elem, strlen(elem));
        return 0;
    }
parsed:;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    if (day < 1 || day > mdays[month - 1] + (month == 2 && leap)) {
        buf_adds(err, "parsing time ");
        time_quote(err, value, len);
        buf_adds(err, ": day out of range");
        return 0;
    }
    return 1;
}

/* A metav1.Time or MicroTime: its UnmarshalJSON's errors stop decoding. */
static void decode_time(tdec *d, const jv *v, int micro)
{
    if (v->kind == JV_STRING) {
        if (!time_parse(&d->abort_err, v->s, v->len, micro)) {
            d->aborted = 1;
            d->ab_line = v->line, d->ab_col = v->col;
        }
    } else if (v->kind != JV_NULL) {
        /* its inner json.Unmarshal into a string fails; the decoder then
         * adds the field it was in to that UnmarshalTypeError */
        d->aborted = 1;
        d->ab_line = v->line, d->ab_col = v->col;
        buf_printf(&d->abort_err, "json: cannot unmarshal %s into Go struct field %s.", jv_kind_go_name(v->kind),
                   d->struct_name); /* a time is always a struct's field */
        buf_add(&d->abort_err, d->field.s, d->field.len);
        buf_adds(&d->abort_err, " of type string");
    }
}

/* strconv.ParseInt(s, 10, bits) succeeds: an integer literal in range. */
static int is_int_literal(const char *s, size_t n, int bits)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n || n - i > 19)
        return 0;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    if (bits == 32) {
        long long x = strtoll(s, NULL, 10); /* at most 19 digits: no overflow past int64's */
        return n - (s[0] == '-') < 19 && x >= INT32_MIN && x <= INT32_MAX;
    }
    /* range of int64 */
    char tmp[24];
    memcpy(tmp, s, n);
    tmp[n] = 0;
    if (n - (s[0] == '-') == 19) {
        const char *digits = tmp + (s[0] == '-');
        const char *lim = s[0] == '-' ? "9223372036854775808" : "9223372036854775807";
        if (strcmp(digits, lim) > 0)
            return 0;
    }
    return 1;
}

/* Sorted-key check for repeated keys of a JSON object decoded into a map. */
typedef struct keyref {
    const char *k;
    size_t n, idx;
} keyref;

static int keyref_cmp(const void *x, const void *y)
{
    const keyref *a = x, *b = y;
    size_t n = a->n < b->n ? a->n : b->n;
    int c = n ? memcmp(a->k, b->k, n) : 0;
    if (c)
        return c;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void decode_map(tdec *d, const tfield *f, const jv *v)
{
    if (v->kind == JV_NULL)
        return;
    if (v->kind != JV_OBJECT) {
        type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        return;
    }
    unsigned char *dup = NULL;
    if (v->n > 1) {
        keyref *refs = kap_malloc(v->n * sizeof *refs);
        dup = kap_calloc(v->n, 1);
        if (!refs || !dup) {
            kap_free(refs);
            kap_free(dup);
            d->oom = 1;
            return;
        }
        for (size_t i = 0; i < v->n; i++)
            refs[i] = (keyref){v->members[i].key, v->members[i].klen, i};
        qsort(refs, v->n, sizeof *refs, keyref_cmp);
        for (size_t i = 1; i < v->n; i++)
            if (refs[i].n == refs[i - 1].n && memcmp(refs[i].k, refs[i - 1].k, refs[i].n) == 0)
                dup[refs[i].idx] = 1;
        kap_free(refs);
    }
    for (size_t i = 0; i < v->n; i++) {
        const jv_member *m = &v->members[i];
        if (dup && dup[i])
            strict_error(d, "duplicate", m->key, m->klen, m->line, m->col);
        const jv *e = m->val;
        if (e->kind == JV_NULL || (f->kind == T_STRMAP && e->kind == JV_STRING))
            continue;
        if (f->kind == T_STRMAP || e->kind != JV_ARRAY) {
            type_error(d, e, jv_kind_go_name(e->kind), f->elem_type);
            continue;
        }
        for (size_t k = 0; k < e->n; k++) /* map[string][]string */
            if (e->items[k]->kind != JV_STRING && e->items[k]->kind != JV_NULL)
                type_error(d, e->items[k], jv_kind_go_name(e->items[k]->kind), "string");
    }
    kap_free(dup);
}

static void decode_strlist(tdec *d, const tfield *f, kstrlist *t, const jv *v)
{
    if (v->kind == JV_NULL) {
        if (t) {
            t->v = NULL;
            t->n = 0;
        }
        return;
    }
    if (v->kind != JV_ARRAY) {
        type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        return;
    }
    kstr *items = NULL;
    if (t && v->n) {
        size_t keep = t->n < v->n ? t->n : v->n;
        items = arena_alloc(d->a, v->n * sizeof *items);
        if (!items) {
            d->oom = 1;
            return;
        }
        if (keep)
            memcpy(items, t->v, keep * sizeof *items);
    }
    for (size_t i = 0; i < v->n; i++) {
        const jv *e = v->items[i];
        if (e->kind == JV_STRING) {
            if (items)
                set_kstr(&items[i], e);
        } else if (e->kind == JV_NULL) {
            /* null leaves the element as it was: "" for a new one */
            if (items && !items[i].s) {
                items[i].s = "";
                items[i].line = e->line;
                items[i].col = e->col;
            }
        } else {
            type_error(d, e, jv_kind_go_name(e->kind), f->elem_type);
            if (items && !items[i].s)
                items[i].s = "";
        }
    }
    if (t) {
        t->v = items;
        t->n = v->n;
        t->line = v->line;
        t->col = v->col;
    }
}

static void decode_struct(tdec *d, const tstruct *st, void *target, const jv *v);

/* One element of a list of structs (decode_structlist's loop, and the
 * rules' sink): its place in the strict path, then the element. */
static void decode_element(tdec *d, const tfield *f, void *elem, const jv *e, size_t i)
{
    const tstruct *st = f->sub;
    size_t base = d->path.len;
    char idx[24]; /* "[i]", written without printf: once per list element */
    size_t k = sizeof idx;
    idx[--k] = ']';
    size_t v2 = i;
    do
        idx[--k] = (char)('0' + v2 % 10);
    while (v2 /= 10);
    idx[--k] = '[';
    buf_add(&d->path, idx + k, sizeof idx - k);
    if (e->kind == JV_OBJECT) {
        set_pos(elem, st->pos_offset, e);
        decode_struct(d, st, elem, e);
    } else if (e->kind != JV_NULL) {
        type_error(d, e, jv_kind_go_name(e->kind), f->elem_type);
    } else if (elem) {
        set_pos(elem, st->pos_offset, e);
    }
    d->path.len = base;
}

/* ---- the rules, decoded as the YAML is read ----------------------------
 * A large policy is mostly its rules. read_yaml.c hands each item of the
 * top-level "rules" sequence to rules_sink as soon as it is whole, and
 * drops its values once decoded, so the values of all the rules never
 * exist at once (docs/performance.md: a tenth of the time of a load of
 * 10,000 rules went into writing and reading them back). The rules are
 * decoded here as decode_struct would decode them in their place: with
 * the Policy's field context ("rules"), into a tdec of their own whose
 * strict errors, warnings and first type error are added to the
 * document's when its decoding reaches "rules" (splice_rules), the keys
 * in json.Marshal's order, so every message comes in the same order. If
 * the document turns out not to be a v1 Policy, or its "rules" is not
 * that sequence, none of this is used. */
typedef struct rstream {
    tdec d;                 /* the rules' decoding state */
    kap_diagnostics diags;  /* their strict warnings, in order */
    const tfield *field;    /* v1 Policy's "rules" */
    krule *items;
    size_t n, cap;
} rstream;

/* Whether memory ran out while decoding the streamed rules: a value, a
 * path, a strict error's text or a warning lost. */
static int rstream_oom(const rstream *r)
{
    return r->d.oom || r->d.path.oom || r->d.field.oom || r->d.strict.oom || r->d.type_err.oom || r->diags.oom;
}

static int rules_sink(void *ctx, const jv *e, size_t i)
{
    rstream *r = ctx;
    if (r->d.oom)
        return KAP_ENOMEM;
    if (i != r->n)
        return KAP_ENOMEM; /* (read_yaml.c numbers them in order) */
    if (!r->d.field.len) {
        /* decode_struct's context when it reaches the field */
        buf_adds(&r->d.field, "rules");
        buf_adds(&r->d.path, "rules");
        if (r->d.field.oom || r->d.path.oom) {
            r->d.oom = 1;
            return KAP_ENOMEM;
        }
    }
    if (r->n == r->cap) {
        /* (malloc's, grown as the rules come; copied once into the
         * document's arena, at its size, by splice_rules: growing it in
         * the arena left every smaller copy there) */
        if (kap_grow(&r->items, &r->cap, r->n + 1, sizeof *r->items, 64) != 0) {
            r->d.oom = 1;
            return KAP_ENOMEM;
        }
        kap_prefault(r->items + r->n, (r->cap - r->n) * sizeof *r->items); /* (filled whole) */
    }
    /* every item read makes one rule, so that splice_rules finds as many
     * as the sequence holds; after an abort (as decode_structlist leaves
     * the items after it) the rule stays as initialised, undecoded */
    krule *elem = &r->items[r->n++];
    memset(elem, 0, sizeof *elem);
    elem->omf = -1;
    if (!r->d.aborted)
        decode_element(&r->d, r->field, elem, e, i);
    /* (any loss stops the read here, before a syntax error further on
     * could be reported in its place) */
    if (rstream_oom(r))
        r->d.oom = 1;
    return r->d.oom ? KAP_ENOMEM : KAP_OK;
}

static void rstream_init(rstream *r, kap_arena *a, const kap_limits *lim)
{
    memset(r, 0, sizeof *r);
    r->d.a = a;
    r->d.lim = lim;
    r->d.diags = &r->diags;
    for (size_t i = 0; i < v1_policy.n; i++)
        if (strcmp(v1_policy.fields[i].name, "rules") == 0)
            r->field = &v1_policy.fields[i];
    r->d.struct_name = v1_policy.go_name; /* (field and path: rules_sink) */
}

static void rstream_free(rstream *r)
{
    for (size_t i = 0; i < r->diags.n; i++) {
        kap_free((void *)r->diags.items[i].field);
        kap_free((void *)r->diags.items[i].message);
    }
    kap_free(r->diags.items);
    buf_free(&r->d.field);
    buf_free(&r->d.path);
    buf_free(&r->d.type_err);
    buf_free(&r->d.abort_err);
    buf_free(&r->d.strict);
    kap_free(r->items);
    memset(r, 0, sizeof *r);
}

/* decode_structlist's work for the streamed rules: their items, and what
 * decoding them gave, in order after what the document's decoding gave
 * so far. */
static void splice_rules(tdec *d, anylist *t, const jv *v)
{
    rstream *r = d->rules;
    if (!r || r->n != v->n || t == NULL || t->n) {
        d->oom = 1; /* (cannot happen: decode_policy checks the document) */
        return;
    }
    if (rstream_oom(r)) {
        d->oom = 1;
        return;
    }
    krule *items = arena_alloc_raw(d->a, r->n * sizeof *items);
    if (!items) {
        d->oom = 1;
        return;
    }
    memcpy(items, r->items, r->n * sizeof *items);
    t->items = items;
    t->n = r->n;
    /* strict errors and their warnings */
    if (r->d.nstrict) {
        if (d->nstrict)
            buf_adds(&d->strict, ", ");
        buf_add(&d->strict, r->d.strict.s, r->d.strict.len);
        d->nstrict += r->d.nstrict;
    }
    for (size_t i = 0; i < r->diags.n; i++) {
        const kap_diagnostic *it = &r->diags.items[i];
        diags_add(d->diags, it->severity, it->field, it->message, it->line, it->column);
    }
    /* the first type error, unless one came before */
    if (r->d.has_type_err && !d->has_type_err) {
        d->has_type_err = 1;
        d->te_line = r->d.te_line;
        d->te_col = r->d.te_col;
        buf_add(&d->type_err, r->d.type_err.s, r->d.type_err.len);
    }
    if (r->d.aborted && !d->aborted) {
        d->aborted = 1;
        d->ab_line = r->d.ab_line;
        d->ab_col = r->d.ab_col;
        buf_add(&d->abort_err, r->d.abort_err.s, r->d.abort_err.len);
    }
}

static void decode_structlist(tdec *d, const tfield *f, anylist *t, const jv *v)
{
    if (v->kind == JV_NULL) {
        if (t) {
            t->items = NULL;
            t->n = 0;
        }
        return;
    }
    if (v->kind != JV_ARRAY) {
        type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        return;
    }
    if (v->n && !v->items) { /* the rules, decoded as they were read */
        splice_rules(d, t, v);
        return;
    }
    const tstruct *st = f->sub;
    char *items = NULL;
    if (t && v->n) {
        size_t keep = t->n < v->n ? t->n : v->n;
        items = arena_alloc(d->a, v->n * st->size);
        if (!items) {
            d->oom = 1;
            return;
        }
        if (keep)
            memcpy(items, t->items, keep * st->size);
        if (st == &v1_rule || st == &int_rule)
            for (size_t i = keep; i < v->n; i++)
                ((krule *)items)[i].omf = -1;
    }
    for (size_t i = 0; i < v->n && !d->aborted; i++)
        decode_element(d, f, items ? items + i * st->size : NULL, v->items[i], i);
    if (t) {
        t->items = items;
        t->n = v->n;
    }
}

static void decode_value(tdec *d, const tfield *f, void *target, const jv *v)
{
    void *slot = target && f->offset >= 0 ? (char *)target + f->offset : NULL;
    switch (f->kind) {
    case T_STRING:
        if (v->kind == JV_STRING) {
            if (slot)
                set_kstr(slot, v);
        } else if (v->kind != JV_NULL) {
            type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        }
        break;
    case T_BOOL:
    case T_PBOOL:
        if (v->kind == JV_BOOL) {
            if (slot)
                *(int *)slot = v->b;
            set_pos(target, f->pos_offset, v);
        } else if (v->kind == JV_NULL) {
            if (slot && f->kind == T_PBOOL)
                *(int *)slot = -1;
        } else {
            type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        }
        break;
    case T_INT64:
    case T_INT32:
        if (v->kind == JV_NUMBER) {
            if (!is_int_literal(v->s, v->len, f->kind == T_INT32 ? 32 : 64)) {
                kap_buf desc = {0};
                buf_adds(&desc, "number ");
                buf_add(&desc, v->s, v->len);
                type_error(d, v, buf_cstr(&desc) ? desc.s : "number", f->go_type);
                buf_free(&desc);
            }
        } else if (v->kind != JV_NULL) {
            type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        }
        break;
    case T_TIME:
    case T_MICROTIME:
        decode_time(d, v, f->kind == T_MICROTIME);
        break;
    case T_ANY:
        break;
    case T_IFACE: /* no concrete type to decode into */
        if (v->kind != JV_NULL)
            type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        break;
    case T_STRMAP:
    case T_STRLISTMAP:
        decode_map(d, f, v);
        break;
    case T_STRLIST:
        decode_strlist(d, f, slot, v);
        break;
    case T_STRUCT:
        if (v->kind == JV_OBJECT)
            decode_struct(d, f->sub, slot, v);
        else if (v->kind != JV_NULL)
            type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        break;
    case T_STRUCTLIST:
        set_pos(target, f->pos_offset, v);
        decode_structlist(d, f, slot, v);
        break;
    }
}

static void decode_struct(tdec *d, const tstruct *st, void *target, const jv *v)
{
    uint64_t seen = 0;
    for (size_t i = 0; i < v->n && !d->aborted; i++) {
        const jv_member *m = &v->members[i];
        const tfield *f = NULL;
        size_t fi;
        for (fi = 0; fi < st->n; fi++) {
            const char *name = st->fields[fi].name;
            if (m->klen && name[0] == m->key[0] && strlen(name) == m->klen && memcmp(name, m->key, m->klen) == 0) {
                f = &st->fields[fi];
                break;
            }
        }
        if (f && f->only && !release_has(d->lim, (kap_change)(f->only - 1)))
            f = NULL; /* not a field in this release */
        if (!f) {
            strict_error(d, "unknown", m->key, m->klen, m->line, m->col);
            continue;
        }
        if (seen & (1ULL << fi))
            strict_error(d, "duplicate", m->key, m->klen, m->line, m->col);
        seen |= 1ULL << fi;

        /* errorContext for type errors: struct name and field names */
        const char *saved_struct = d->struct_name;
        size_t saved_field = d->field.len;
        if (d->field.len)
            buf_addc(&d->field, '.');
        buf_adds(&d->field, f->name);
        d->struct_name = st->go_name;
        size_t saved_path = d->path.len;
        if (d->path.len)
            buf_addc(&d->path, '.');
        buf_adds(&d->path, f->name);

        decode_value(d, f, target, m->val);

        d->struct_name = saved_struct;
        d->field.len = saved_field;
        if (d->field.s)
            d->field.s[saved_field] = 0;
        d->path.len = saved_path;
    }
}

/* ---- kind sniffing ------------------------------------------------------ */

/* bytes.EqualFold against an ASCII name, with Go's two non-ASCII folds
 * that reach ASCII letters (U+212A KELVIN SIGN, U+017F LONG S). */
static int equal_fold(const char *s, size_t n, const char *ascii)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    for (; *ascii; ascii++) {
        char want = (char)(*ascii | 0x20);
        if (i >= n)
            return 0;
        if (p[i] < 0x80) {
            if ((char)(p[i] | 0x20) != want || !((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z'))
                return 0;
            i++;
        } else if (i + 2 < n + 0 && p[i] == 0xE2 && p[i + 1] == 0x84 && p[i + 2] == 0xAA && want == 'k') {
            i += 3;
        } else if (i + 1 < n && p[i] == 0xC5 && p[i + 1] == 0xBF && want == 's') {
            i += 2;
        } else {
            return 0;
        }
    }
    return i == n;
}

static const char SNIFF_TYPE[] =
    "struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string "
    "\"json:\\\"kind,omitempty\\\"\" }";

/* ---- scheme lookup --------------------------------------------------------- */

enum { TARGET_V1, TARGET_INTERNAL, TARGET_CONVERSION, TARGET_UNKNOWN };

static int lookup_kind(const char *group, const char *version, const char *kind, const char **go_type)
{
    static const char *const unversioned[] = {"Status", "APIVersions", "APIGroupList", "APIGroup",
                                              "APIResourceList", NULL};
    static const char *const options[] = {"ListOptions", "GetOptions", "DeleteOptions", "CreateOptions",
                                          "UpdateOptions", "PatchOptions", NULL};
    int audit = strcmp(group, "audit.k8s.io") == 0, core = group[0] == 0;
    int v1 = strcmp(version, "v1") == 0, internal = strcmp(version, "__internal") == 0;
    *go_type = NULL;
    if (audit && v1 && strcmp(kind, "Policy") == 0)
        return TARGET_V1;
    if (audit && internal && strcmp(kind, "Policy") == 0)
        return TARGET_INTERNAL;
    if ((audit || core) && internal && strcmp(kind, "WatchEvent") == 0) {
        *go_type = "v1.InternalEvent";
        return TARGET_CONVERSION;
    }
    if (audit && internal) {
        if (strcmp(kind, "Event") == 0) *go_type = "audit.Event";
        if (strcmp(kind, "EventList") == 0) *go_type = "audit.EventList";
        if (strcmp(kind, "PolicyList") == 0) *go_type = "audit.PolicyList";
    }
    if ((audit || core) && v1) {
        if (strcmp(kind, "WatchEvent") == 0)
            *go_type = "v1.WatchEvent";
        for (const char *const *o = options; *o; o++)
            if (strcmp(kind, *o) == 0)
                *go_type = *o;
        if (audit) {
            if (strcmp(kind, "Event") == 0) *go_type = "v1.Event";
            if (strcmp(kind, "EventList") == 0) *go_type = "v1.EventList";
            if (strcmp(kind, "PolicyList") == 0) *go_type = "v1.PolicyList";
        }
    }
    for (const char *const *u = unversioned; *u; u++)
        if (strcmp(kind, *u) == 0)
            *go_type = *u;
    return *go_type ? TARGET_CONVERSION : TARGET_UNKNOWN;
}

/* ---- the whole decode ---------------------------------------------------- */

static int is_unicode_space(const unsigned char *p, size_t n, size_t *size)
{
    *size = 1;
    if (n == 0)
        return 0;
    unsigned char c = p[0];
    if (c == ' ' || (c >= '\t' && c <= '\r'))
        return 1;
    if (c == 0xC2 && n >= 2 && (p[1] == 0x85 || p[1] == 0xA0)) {
        *size = 2;
        return 1;
    }
    if (n >= 3) {
        uint32_t r = 0;
        if ((c & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80)
            r = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        if (r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 || r == 0x2029 ||
            r == 0x202F || r == 0x205F || r == 0x3000) {
            *size = 3;
            return 1;
        }
    }
    return 0;
}

/* Step 1: JSON if the first non-space character is '{'. */
static int starts_json(const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t i = 0, sz;
    while (i < len && is_unicode_space(p + i, len - i, &sz))
        i += sz;
    return i < len && p[i] == '{';
}

int policy_values(kap_arena *a, const char *data, size_t len, const kap_limits *lim, jv **root)
{
    kap_fail fail = {0};
    kap_buf strict = {0};
    *root = NULL;
    int rc = starts_json(data, len) ? json_to_jv(a, data, len, lim, root, &fail)
                                    : yaml_to_jv(a, data, len, lim, root, &strict, &fail);
    if (rc && (fail.status == KAP_ENOMEM || fail.msg.oom))
        rc = KAP_ENOMEM;
    buf_free(&fail.msg);
    buf_free(&strict);
    return rc;
}

static int report_error(kap_diagnostics *diags, int status, const char *field, const char *text,
                        unsigned line, unsigned col)
{
    diags_add(diags, KAP_SEVERITY_ERROR, field, text, line, col);
    if (!diags->error_text)
        diags->error_text = kap_strndup(text, strlen(text));
    if (!diags->error_text || diags->oom)
        return KAP_ENOMEM;
    return status;
}

static int report_fail(kap_diagnostics *diags, kap_fail *fail, const char *prefix)
{
    if (fail->status == KAP_ENOMEM || fail->msg.oom)
        return KAP_ENOMEM;
    kap_buf t = {0};
    if (fail->status == KAP_EINVALID)
        buf_adds(&t, prefix);
    buf_add(&t, fail->msg.s, fail->msg.len);
    int rc = t.oom ? KAP_ENOMEM : report_error(diags, fail->status, "", t.s, fail->line, fail->col);
    buf_free(&t);
    return rc;
}

/* Another kind the scheme knows: decoded into its own type (a type error
 * there is fatal), then the conversion to a Policy fails. Unknown and
 * duplicate fields do not matter: the conversion error wins over them. */
static int decode_other_kind(kap_arena *a, const kap_limits *lim, const jv *root, const char *go_type,
                             kap_diagnostics *diags, unsigned kline, unsigned kcol)
{
    const tstruct *type = NULL;
    for (size_t i = 0; i < sizeof OTHER_KINDS / sizeof OTHER_KINDS[0]; i++)
        if (strcmp(OTHER_KINDS[i].go_type, go_type) == 0)
            type = OTHER_KINDS[i].type;
    tdec d = {0};
    d.a = a;
    d.lim = lim;
    d.quiet = 1;
    if (type) /* (every kind lookup_kind names has one) */
        decode_struct(&d, type, NULL, root); /* root is an object: it named the kind */
    kap_buf t = {0};
    buf_adds(&t, "failed decoding: ");
    unsigned line = kline, col = kcol;
    if (d.aborted) {
        buf_add(&t, d.abort_err.s, d.abort_err.len);
        line = d.ab_line, col = d.ab_col;
    } else if (d.has_type_err) {
        buf_add(&t, d.type_err.s, d.type_err.len);
        line = d.te_line, col = d.te_col;
    } else {
        buf_printf(&t, "converting (%s%s) to (audit.Policy): unknown conversion", strchr(go_type, '.') ? "" : "v1.",
                   go_type);
    }
    int oom = t.oom || d.oom || d.field.oom || d.path.oom || d.type_err.oom || d.abort_err.oom;
    int rc = oom ? KAP_ENOMEM : report_error(diags, KAP_EINVALID, d.aborted || d.has_type_err ? "" : "kind", t.s, line, col);
    buf_free(&t);
    buf_free(&d.field);
    buf_free(&d.path);
    buf_free(&d.type_err);
    buf_free(&d.abort_err);
    return rc;
}

int decode_policy(kap_arena *a, kap_arena *strs, const char *data, size_t len, const kap_limits *lim, kdoc *doc,
                  kap_diagnostics *diags)
{
    memset(doc, 0, sizeof *doc);
    doc->omf = 0;
    kap_fail fail = {0};
    kap_buf strict_yaml = {0};
    jv *root = NULL;
    int rc;
    int is_json = 0;
    /* the values live here and go when decoding is over; the strings they
     * hold, which the document keeps, live in strs */
    kap_arena tree = {0};
    /* (blocks that grow to a huge page: mapped apart and unmapped when
     * they are freed, so compiling starts from less; util.c, Pages) */
    tree.max_block = KAP_ARENA_HUGE;
    /* the rules, decoded while the YAML is read (rules_sink) */
    rstream rules = {0};
    const jv *streamed = NULL;

    /* 1. JSON if the first non-space character is '{' */
    is_json = starts_json(data, len);

    doc->borrows_input = is_json;
    if (is_json) {
        rc = json_to_jv_split(&tree, strs, data, len, lim, &root, &fail);
        if (rc) {
            rc = report_fail(diags, &fail,
                             "failed decoding: couldn't get version/kind; json parse error: ");
            goto out;
        }
    } else {
        rstream_init(&rules, a, lim);
        rc = yaml_to_jv_rules(&tree, strs, data, len, lim, &root, &strict_yaml, &fail, rules_sink, &rules, &streamed);
        if (rc) {
            rc = report_fail(diags, &fail, "failed decoding: ");
            goto out;
        }
        /* (Go's JSON depth limit, 10000 nested collections, is enforced
         * while the YAML is turned into values: read_yaml.c, too_deep.) */
    }

    /* 3. apiVersion and kind, case-insensitively */
    const jv *apiversion = NULL, *kind = NULL;
    if (root && root->kind != JV_NULL) {
        if (root->kind != JV_OBJECT) {
            kap_buf t = {0};
            buf_printf(&t,
                       "failed decoding: couldn't get version/kind; json parse error: json: cannot "
                       "unmarshal %s into Go value of type %s",
                       jv_kind_go_name(root->kind), SNIFF_TYPE);
            rc = t.oom ? KAP_ENOMEM : report_error(diags, KAP_EINVALID, "", t.s, root->line, root->col);
            buf_free(&t);
            goto out;
        }
        const jv *bad = NULL;
        const char *bad_name = NULL;
        for (size_t i = 0; i < root->n; i++) {
            const jv_member *m = &root->members[i];
            const char *name = NULL;
            const jv **slot = NULL;
            if (equal_fold(m->key, m->klen, "apiVersion"))
                name = "apiVersion", slot = &apiversion;
            else if (equal_fold(m->key, m->klen, "kind"))
                name = "kind", slot = &kind;
            if (!slot)
                continue;
            if (m->val->kind == JV_STRING)
                *slot = m->val;
            else if (m->val->kind != JV_NULL && !bad)
                bad = m->val, bad_name = name;
        }
        if (bad) {
            kap_buf t = {0};
            buf_printf(&t,
                       "failed decoding: couldn't get version/kind; json parse error: json: cannot "
                       "unmarshal %s into Go struct field .%s of type string",
                       jv_kind_go_name(bad->kind), bad_name);
            rc = t.oom ? KAP_ENOMEM : report_error(diags, KAP_EINVALID, bad_name, t.s, bad->line, bad->col);
            buf_free(&t);
            goto out;
        }
    }

    /* group/version parse and defaults */
    char *group, *version, *kindname;
    {
        const char *av = apiversion ? apiversion->s : "";
        size_t avl = apiversion ? apiversion->len : 0;
        size_t slashes = 0, slash_at = 0;
        for (size_t i = 0; i < avl; i++)
            if (av[i] == '/')
                slashes++, slash_at = i;
        if ((avl == 1 && av[0] == '/') || avl == 0) {
            group = arena_strndup(a, "", 0);
            version = arena_strndup(a, "", 0);
        } else if (slashes == 0) {
            group = arena_strndup(a, "", 0);
            version = arena_strndup(a, av, avl);
        } else if (slashes == 1) {
            group = arena_strndup(a, av, slash_at);
            version = arena_strndup(a, av + slash_at + 1, avl - slash_at - 1);
        } else {
            kap_buf t = {0};
            buf_adds(&t, "failed decoding: unexpected GroupVersion string: ");
            buf_add(&t, av, avl);
            rc = t.oom ? KAP_ENOMEM
                       : report_error(diags, KAP_EINVALID, "apiVersion", t.s, apiversion->line, apiversion->col);
            buf_free(&t);
            goto out;
        }
        kindname = kind && kind->len ? arena_strndup(a, kind->s, kind->len) : arena_strndup(a, "Policy", 6);
        if (!group || !version || !kindname) {
            rc = KAP_ENOMEM;
            goto out;
        }
        if (!version[0] && !group[0]) {
            group = "audit.k8s.io";
            version = "__internal";
        }
        if (!version[0] && strcmp(group, "audit.k8s.io") == 0)
            version = "__internal";
        if (!version[0]) {
            kap_buf t = {0};
            buf_adds(&t, "failed decoding: Object 'apiVersion' is missing in '");
            buf_add(&t, data, len);
            buf_adds(&t, "'");
            rc = t.oom ? KAP_ENOMEM
                       : report_error(diags, KAP_EINVALID, "apiVersion", t.s,
                                      apiversion ? apiversion->line : 0, apiversion ? apiversion->col : 0);
            buf_free(&t);
            goto out;
        }
    }

    /* 5. scheme lookup */
    const char *go_type;
    int target = lookup_kind(group, version, kindname, &go_type);
    unsigned kline = kind ? kind->line : apiversion ? apiversion->line : 0;
    unsigned kcol = kind ? kind->col : apiversion ? apiversion->col : 0;
    if (target == TARGET_UNKNOWN) {
        kap_buf t = {0};
        buf_adds(&t, "failed decoding: no kind ");
        go_quote_as(&t, kindname, strlen(kindname), lim->gofmt);
        if (strcmp(version, "__internal") == 0) {
            buf_adds(&t, " is registered for the internal version of group ");
            go_quote_as(&t, group, strlen(group), lim->gofmt);
        } else {
            kap_buf gv = {0};
            if (group[0]) {
                buf_adds(&gv, group);
                buf_addc(&gv, '/');
            }
            buf_adds(&gv, version);
            buf_adds(&t, " is registered for version ");
            go_quote_as(&t, gv.s, gv.len, lim->gofmt);
            if (gv.oom)
                t.oom = 1; /* the text would lack the version */
            buf_free(&gv);
        }
        buf_adds(&t, " in scheme \"" SCHEME_NAME "\"");
        rc = t.oom ? KAP_ENOMEM : report_error(diags, KAP_EINVALID, "kind", t.s, kline, kcol);
        buf_free(&t);
        goto out;
    }
    if (target == TARGET_CONVERSION) {
        rc = decode_other_kind(a, lim, root, go_type, diags, kline, kcol);
        goto out;
    }

    /* 6. strict decode, lenient fallback */
    tdec d = {0};
    d.a = a;
    d.lim = lim;
    d.diags = diags;
    /* (only v1's "rules" field reaches them: another kind's decoding, or
     * the internal version's, leaves an unknown field unread) */
    d.rules = streamed ? &rules : NULL;
    int strict_on = release_has(lim, KC_LENIENT_FALLBACK);
    if (strict_yaml.len) {
        /* go-yaml's strict error comes first, as one item */
        kap_buf item = {0};
        buf_adds(&item, "yaml: unmarshal errors:");
        buf_add(&item, strict_yaml.s, strict_yaml.len);
        buf_add(&d.strict, item.s, item.len);
        d.nstrict = 1;
        /* one diagnostic per duplicate key, with its line */
        const char *p = strict_yaml.s;
        while ((p = strstr(p, "\n  line ")) != NULL) {
            p += 8;
            unsigned line = (unsigned)strtoul(p, NULL, 10);
            const char *e = strchr(p, '\n');
            size_t L = e ? (size_t)(e - p) : strlen(p);
            kap_buf one = {0};
            buf_adds(&one, "yaml: line ");
            buf_add(&one, p, L);
            if (one.oom)
                d.oom = 1;
            else
                diags_add(diags, KAP_SEVERITY_WARNING, "", buf_cstr(&one), line, 0);
            buf_free(&one);
        }
        if (item.oom)
            d.oom = 1;
        buf_free(&item);
    }
    if (root && root->kind == JV_OBJECT)
        decode_struct(&d, target == TARGET_V1 ? &v1_policy : &int_policy, doc, root);

    if (d.oom || d.path.oom || d.field.oom || d.strict.oom || d.type_err.oom || d.abort_err.oom) {
        rc = KAP_ENOMEM;
    } else if (d.aborted || d.has_type_err) {
        /* fatal: drop the strict warnings gathered so far, none is logged */
        size_t w = 0;
        for (size_t i = 0; i < diags->n; i++) {
            if (diags->items[i].severity == KAP_SEVERITY_WARNING) {
                kap_free((void *)diags->items[i].field);
                kap_free((void *)diags->items[i].message);
            } else {
                diags->items[w++] = diags->items[i];
            }
        }
        diags->n = w;
        kap_buf t = {0};
        buf_adds(&t, "failed decoding: ");
        if (d.aborted)
            buf_add(&t, d.abort_err.s, d.abort_err.len);
        else
            buf_add(&t, d.type_err.s, d.type_err.len);
        rc = t.oom ? KAP_ENOMEM
                   : report_error(diags, KAP_EINVALID, "", t.s,
                                  d.aborted ? d.ab_line : d.te_line, d.aborted ? d.ab_col : d.te_col);
        buf_free(&t);
    } else {
        rc = KAP_OK;
        if (d.nstrict && strict_on) {
            kap_buf w = {0};
            buf_adds(&w, "Audit policy contains errors, falling back to lenient decoding: strict decoding error: ");
            buf_add(&w, d.strict.s, d.strict.len);
            diags->warning_text = w.oom ? NULL : kap_strndup(w.s, w.len);
            if (!diags->warning_text)
                rc = KAP_ENOMEM;
            buf_free(&w);
        } else if (d.nstrict) {
            /* before 1.26 decoding was lenient only: nothing is logged */
            size_t w = 0;
            for (size_t i = 0; i < diags->n; i++) {
                if (diags->items[i].severity == KAP_SEVERITY_WARNING) {
                    kap_free((void *)diags->items[i].field);
                    kap_free((void *)diags->items[i].message);
                } else {
                    diags->items[w++] = diags->items[i];
                }
            }
            diags->n = w;
        }
    }
    buf_free(&d.field);
    buf_free(&d.path);
    buf_free(&d.type_err);
    buf_free(&d.abort_err);
    buf_free(&d.strict);
    if (rc)
        goto out;

    /* 7. group-version check */
    if (target != TARGET_V1) {
        rc = report_error(diags, KAP_EINVALID, "",
                          "unknown group version field audit.k8s.io/__internal, Kind=Policy in policy",
                          apiversion ? apiversion->line : 0, apiversion ? apiversion->col : 0);
        goto out;
    }
    if (doc->nrules > lim->max_rules) {
        kap_buf t = {0};
        buf_printf(&t, "the policy has %zu rules, more than the limit of %zu (max_rules)", doc->nrules,
                   lim->max_rules);
        rc = t.oom ? KAP_ENOMEM : report_error(diags, KAP_ELIMIT, "rules", t.s, doc->rules_line, doc->rules_col);
        buf_free(&t);
        goto out;
    }
    rc = KAP_OK;
out:
    arena_free(&tree);
    rstream_free(&rules);
    buf_free(&fail.msg);
    buf_free(&strict_yaml);
    if (diags->oom)
        rc = KAP_ENOMEM;
    return rc;
}
