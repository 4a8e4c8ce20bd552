/// The OpenAPI 3.1 description of ``TesseraAPI`` served at `GET /openapi.json`. Tests check that it parses and that
/// its operations are exactly the server's routes; `Scripts/schemathesis.sh` checks a live server against it.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "Tessera",
        "version": "1.0.0",
        "description": "Optional fields may be given as null, which means not given. Collections of documents searched by dense, multi-vector (XTR / WARP, AligneR) and BM25 retrieval, and OpenAI-compatible embeddings. Writes are answered once durable. With --api-keys, requests need \"Authorization: Bearer KEY\" (read or write scope). Every answer carries X-Request-Id."
      },
      "servers": [{"url": "/"}],
      "security": [{}, {"bearer": []}],
      "paths": {
        "/health": {
          "get": {
            "operationId": "health", "summary": "Liveness", "security": [{}],
            "responses": {
              "200": {"description": "Serving", "content": {"application/json": {"schema": {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}}}}
            }
          }
        },
        "/openapi.json": {
          "get": {
            "operationId": "openapi", "summary": "This document", "security": [{}],
            "responses": {"200": {"description": "The OpenAPI document", "content": {"application/json": {"schema": {"type": "object"}}}}}
          }
        },
        "/metrics": {
          "get": {
            "operationId": "metrics", "summary": "Prometheus metrics (text exposition format)",
            "responses": {
              "200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}},
              "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}
            }
          }
        },
        "/v1/collections": {
          "get": {
            "operationId": "listCollections", "summary": "List the collections",
            "responses": {
              "200": {"description": "The collections", "content": {"application/json": {"schema": {"type": "object", "required": ["collections"], "properties": {"collections": {"type": "array", "items": {"$ref": "#/components/schemas/Collection"}}}}}}},
              "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}
            }
          }
        },
        "/v1/collections/{name}": {
          "parameters": [{"$ref": "#/components/parameters/CollectionName"}],
          "put": {
            "operationId": "createCollection", "summary": "Create a collection",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateCollection"}}}},
            "responses": {
              "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Collection"}}}},
              "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
              "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
              "409": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"},
              "429": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
            }
          },
          "get": {
            "operationId": "getCollection", "summary": "Describe a collection",
            "responses": {
              "200": {"description": "The collection", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Collection"}}}},
              "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
              "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}
            }
          },
          "delete": {
            "operationId": "deleteCollection", "summary": "Delete a collection and its files",
            "responses": {
              "200": {"description": "Deleted", "content": {"application/json": {"schema": {"type": "object", "required": ["name", "deleted"], "properties": {"name": {"type": "string"}, "deleted": {"const": true}}}}}},
              "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
              "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
              "429": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
            }
          }
        },
        "/v1/collections/{name}/documents": {
          "parameters": [{"$ref": "#/components/parameters/CollectionName"}],
          "post": {
            "operationId": "addDocuments", "summary": "Add (or upsert) a batch of documents; answered once durable",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WriteDocuments"}}}},
            "responses": {
              "200": {"description": "Durable", "content": {"application/json": {"schema": {"type": "object", "required": ["added", "documents"], "properties": {"added": {"type": "integer"}, "documents": {"type": "integer", "description": "Live documents of the collection after the batch"}}}}}},
              "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
              "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
              "409": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"},
              "429": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
            }
          }
        },
        "/v1/collections/{name}/documents/{id}": {
          "parameters": [{"$ref": "#/components/parameters/CollectionName"}, {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "minLength": 1}}],
          "get": {
            "operationId": "getDocument", "summary": "A stored document",
            "responses": {
              "200": {"description": "The document", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}},
              "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
              "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}
            }
          },
          "delete": {
            "operationId": "deleteDocument", "summary": "Delete a document (durable when answered)",
            "responses": {
              "200": {"description": "Deleted", "content": {"application/json": {"schema": {"type": "object", "required": ["id", "deleted"], "properties": {"id": {"type": "string"}, "deleted": {"const": true}}}}}},
              "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
              "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
              "429": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
            }
          }
        },
        "/v1/collections/{name}/search": {
          "parameters": [{"$ref": "#/components/parameters/CollectionName"}],
          "post": {
            "operationId": "search", "summary": "Search a collection",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Search"}}}},
            "responses": {
              "200": {"description": "Ranked documents", "content": {"application/json": {"schema": {"type": "object", "required": ["mode", "results"], "properties": {"mode": {"$ref": "#/components/schemas/Mode"}, "results": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}}}}}}},
              "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
              "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
              "413": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/Error"},
              "503": {"$ref": "#/components/responses/Error"}
            }
          }
        },
        "/v1/embeddings": {
          "post": {
            "operationId": "createEmbeddings", "summary": "Embeddings, as OpenAI's API answers them",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EmbeddingsRequest"}}}},
            "responses": {
              "200": {"description": "One embedding per input", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EmbeddingsResponse"}}}},
              "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
              "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
              "413": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/Error"},
              "503": {"$ref": "#/components/responses/Error"}
            }
          }
        }
      },
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "parameters": {
          "CollectionName": {"name": "name", "in": "path", "required": true, "description": "1-64 letters, digits, _ - ., starting with a letter or digit, no ..", "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"}}
        },
        "responses": {
          "Error": {"description": "A refused request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        },
        "schemas": {
          "Error": {
            "type": "object", "required": ["error"],
            "properties": {"error": {"type": "object", "required": ["message", "type", "code"], "properties": {"message": {"type": "string"}, "type": {"type": "string"}, "code": {"type": "integer"}}}}
          },
          "ModelName": {"type": "string", "pattern": "^[^/.][^/]*$", "description": "A served model's name, never a path"},
          "Index": {"enum": ["dense", "tokens", "bm25"]},
          "Mode": {"enum": ["dense", "dense-exact", "xtr", "xtr-exact", "aligner", "aligner-exact", "colbert", "bm25", "hybrid"]},
          "FusedMode": {"enum": ["dense", "dense-exact", "xtr", "xtr-exact", "aligner", "aligner-exact", "colbert", "bm25"]},
          "CreateCollection": {
            "type": "object",
            "anyOf": [
              {"required": ["model"], "properties": {"model": {"type": "string"}}},
              {"required": ["indexes"], "properties": {"indexes": {"type": "array", "items": {"const": "bm25"}}}}
            ],
            "properties": {
              "model": {"anyOf": [{"$ref": "#/components/schemas/ModelName"}, {"type": "null"}], "description": "A model this server serves (tessera models fetch, or serve --model NAME=FOLDER); needed unless indexes is [\"bm25\"]"},
              "indexes": {"type": ["array", "null"], "items": {"$ref": "#/components/schemas/Index"}, "minItems": 1, "default": ["dense", "tokens", "bm25"]}
            }
          },
          "Collection": {
            "type": "object", "required": ["name", "model", "indexes", "modes", "documents", "segments"],
            "properties": {
              "name": {"type": "string"}, "model": {"type": ["string", "null"]},
              "indexes": {"type": "array", "items": {"$ref": "#/components/schemas/Index"}},
              "modes": {"type": "array", "items": {"$ref": "#/components/schemas/Mode"}},
              "documents": {"type": "integer", "minimum": 0}, "segments": {"type": "integer", "minimum": 0}
            }
          },
          "NewDocument": {
            "type": "object", "required": ["id", "text"],
            "properties": {"id": {"type": "string", "minLength": 1}, "title": {"type": ["string", "null"]}, "text": {"type": "string", "minLength": 1}}
          },
          "WriteDocuments": {
            "type": "object", "required": ["documents"],
            "properties": {
              "documents": {"type": "array", "items": {"$ref": "#/components/schemas/NewDocument"}, "minItems": 1, "maxItems": 4096},
              "upsert": {"type": ["boolean", "null"], "default": false, "description": "Replace documents whose id exists instead of refusing the batch (409)"}
            }
          },
          "Document": {
            "type": "object", "required": ["id", "title", "text"],
            "properties": {"id": {"type": "string"}, "title": {"type": ["string", "null"]}, "text": {"type": "string"}}
          },
          "Search": {
            "type": "object", "required": ["query"],
            "properties": {
              "query": {"type": "string"},
              "mode": {"anyOf": [{"$ref": "#/components/schemas/Mode"}, {"type": "null"}]},
              "k": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000, "default": 10, "description": "At most serve --max-k"},
              "n_probe": {"type": ["integer", "null"], "minimum": 1, "maximum": 65536, "description": "WARP: centroids probed per query token"},
              "t_prime": {"type": ["integer", "null"], "minimum": 1, "maximum": 100000000, "description": "WARP: missing-similarity estimate depth"},
              "ef_search": {"type": ["integer", "null"], "minimum": 1, "maximum": 100000, "description": "HNSW: candidate list size"},
              "k_prime": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000000, "description": "Exact token search: tokens retrieved per query token"},
              "hybrid": {"type": ["array", "null"], "items": {"$ref": "#/components/schemas/FusedMode"}, "minItems": 2, "maxItems": 2, "description": "mode hybrid: the two modes fused (default xtr, bm25)"},
              "fusion": {"enum": ["rrf", "score", null], "description": "mode hybrid: reciprocal rank fusion (k = 60, the default) or min-max normalised score fusion"},
              "weight": {"type": ["number", "null"], "minimum": 0, "maximum": 1, "description": "fusion score: weight of the first mode (the second gets 1 - weight; default 0.5)"}
            },
            "allOf": [
              {"if": {"not": {"required": ["mode"], "properties": {"mode": {"const": "hybrid"}}}},
               "then": {"properties": {"hybrid": {"type": "null"}, "fusion": {"type": "null"}, "weight": {"type": "null"}}}},
              {"if": {"not": {"required": ["fusion"], "properties": {"fusion": {"const": "score"}}}},
               "then": {"properties": {"weight": {"type": "null"}}}}
            ]
          },
          "Hit": {
            "type": "object", "required": ["id", "score", "title", "text"],
            "properties": {"id": {"type": "string"}, "score": {"type": "number"}, "title": {"type": ["string", "null"]}, "text": {"type": "string"}}
          },
          "EmbeddingsRequest": {
            "type": "object", "required": ["model", "input"],
            "properties": {
              "model": {"$ref": "#/components/schemas/ModelName"},
              "input": {"oneOf": [{"type": "string", "minLength": 1}, {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "maxItems": 4096}]},
              "dimensions": {"type": ["integer", "null"], "minimum": 1, "maximum": 65536, "description": "Matryoshka: the first dimensions, renormalised; at most the model's (400 above it)"},
              "encoding_format": {"enum": ["float", "base64", null], "default": "float"}
            }
          },
          "EmbeddingsResponse": {
            "type": "object", "required": ["object", "data", "model", "usage"],
            "properties": {
              "object": {"const": "list"},
              "data": {"type": "array", "items": {"type": "object", "required": ["object", "index", "embedding"], "properties": {
                "object": {"const": "embedding"}, "index": {"type": "integer"},
                "embedding": {"oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string", "description": "base64 of little-endian float32"}]}}}},
              "model": {"type": "string"},
              "usage": {"type": "object", "required": ["prompt_tokens", "total_tokens"], "properties": {"prompt_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}}
            }
          }
        }
      }
    }
    """#
}
