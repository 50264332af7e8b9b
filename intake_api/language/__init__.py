"""Reading inputs in any language: which language, which GCM objectives, which are copies.

Everything here runs offline on the CPU, from data a reviewer can open: lingua's
bundled models for the language, keyword lexicons per objective for the
suggestions, MinHash signatures for near-duplicates, and plain TF-IDF for key
phrases. Nothing overrides what a contributor chose; it only helps staff read.
"""
